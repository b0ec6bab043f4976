"""One libFuzzer target: the library, the binary (libFuzzer with --config=fuzz,
a replay tool otherwise) and a test that replays its seeds with gcc."""

def fuzz_target(name, src, deps, seeds, seed_dirs):
    native.cc_library(
        name = name + "_lib",
        testonly = True,
        srcs = [src],
        deps = deps + ["@system//:absl"],
        alwayslink = True,
    )
    native.cc_binary(
        name = name,
        testonly = True,
        srcs = select({
            "//runtime/fuzz:fuzzing": [],
            "//conditions:default": ["//runtime/fuzz:replay_main.cc"],
        }),
        linkopts = select({
            "//runtime/fuzz:fuzzing": ["-fsanitize=fuzzer"],
            "//conditions:default": [],
        }),
        deps = [":" + name + "_lib"],
    )
    native.cc_test(
        name = name + "_seeds_test",
        size = "small",
        srcs = ["//runtime/fuzz:replay_main.cc"],
        args = seed_dirs,
        data = seeds,
        deps = [":" + name + "_lib"],
    )
