/* The generated header compiled as C (services in C include it too). */
#include "tools/neff/embedded_mlp.h"

#if EMBEDDED_MLP_NUM_INPUTS < 1 || EMBEDDED_MLP_NUM_OUTPUTS < 1
#error "the MLP has inputs and outputs"
#endif

size_t EmbeddedMlpNumInputsFromC(void) { return embedded_mlp.num_inputs; }

const unsigned char* EmbeddedMlpDataFromC(void) { return embedded_mlp.data; }
