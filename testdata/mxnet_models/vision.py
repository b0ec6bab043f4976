"""Vision models as Gluon's model zoo exports them (ResNet-18 v1 and v2,
MobileNetV2 1.0), with Gluon's parameter and node names, and a small CNN
(ops_mix) that covers the remaining vision operators in the symbol API's own
style, some attributes left to their defaults.

Weights are He-initialised with realistic BatchNorm statistics
(graph.Graph.batchnorm). ResNet-18 v1 runs at 224x224; the others are
smaller to keep the CI test fast.
"""
from graph import Graph, ModelSpec


def _basic_block_v1(g, prefix, x, in_channels, channels, stride, downsample):
    y = g.conv(f"{prefix}_conv0", x, in_channels, channels, 3, stride, 1)
    y = g.batchnorm(f"{prefix}_batchnorm0", y, channels)
    y = g.relu(f"{prefix}_relu0_fwd", y)
    y = g.conv(f"{prefix}_conv1", y, channels, channels, 3, 1, 1)
    y = g.batchnorm(f"{prefix}_batchnorm1", y, channels)
    if downsample:
        x = g.conv(f"{prefix}_conv2", x, in_channels, channels, 1, stride)
        x = g.batchnorm(f"{prefix}_batchnorm2", x, channels)
    y = g.op("elemwise_add", f"{prefix}__plus0", [x, y])
    return g.op("Activation", f"{prefix}_activation0", [y], act_type="relu")


def _resnet18_v1():
    g = Graph(seed=10)
    x = g.input("data", g.uniform(1, 3, 224, 224))
    x = g.conv("resnetv10_conv0", x, 3, 64, 7, 2, 3)
    x = g.batchnorm("resnetv10_batchnorm0", x, 64)
    x = g.relu("resnetv10_relu0_fwd", x)
    x = g.op("Pooling", "resnetv10_pool0_fwd", [x], kernel=(3, 3), pool_type="max",
             pooling_convention="valid", pad=(1, 1), stride=(2, 2), global_pool=False)
    in_channels = 64
    for stage, (channels, stride) in enumerate([(64, 1), (128, 2), (256, 2), (512, 2)], 1):
        for block in range(2):
            prefix = f"resnetv10_stage{stage}_block{block}"
            x = _basic_block_v1(g, prefix, x, in_channels, channels, stride if block == 0 else 1,
                                block == 0 and channels != in_channels)
            in_channels = channels
    x = g.global_avg_pool("resnetv10_pool1_fwd", x)
    x = g.op("Flatten", "resnetv10_flatten0", [x])
    g.heads = [g.dense("resnetv10_dense0", x, 512, 1000)]
    return g


def _basic_block_v2(g, prefix, x, in_channels, channels, stride, downsample):
    y = g.batchnorm(f"{prefix}_batchnorm0", x, in_channels)
    y = g.relu(f"{prefix}_relu0_fwd", y)
    residual = g.conv(f"{prefix}_conv2", y, in_channels, channels, 1, stride) if downsample else x
    y = g.conv(f"{prefix}_conv0", y, in_channels, channels, 3, stride, 1)
    y = g.batchnorm(f"{prefix}_batchnorm1", y, channels)
    y = g.relu(f"{prefix}_relu1_fwd", y)
    y = g.conv(f"{prefix}_conv1", y, channels, channels, 3, 1, 1)
    return g.op("_plus", f"{prefix}__plus0", [y, residual])  # elemwise_add's alias


def _resnet18_v2():
    g = Graph(seed=11)
    x = g.input("data", g.uniform(1, 3, 112, 112))
    # BatchNorm(scale=False, center=False): fix_gamma True ignores the stored
    # gamma (random here, to show it is ignored); beta stays zero.
    x = g.batchnorm("resnetv20_batchnorm0", x, 3, fix_gamma=True, zero_beta=True)
    x = g.conv("resnetv20_conv0", x, 3, 64, 7, 2, 3)
    x = g.batchnorm("resnetv20_batchnorm1", x, 64)
    x = g.relu("resnetv20_relu0_fwd", x)
    x = g.op("Pooling", "resnetv20_pool0_fwd", [x], kernel=(3, 3), pool_type="max",
             pooling_convention="valid", pad=(1, 1), stride=(2, 2), global_pool=False)
    in_channels = 64
    for stage, (channels, stride) in enumerate([(64, 1), (128, 2), (256, 2), (512, 2)], 1):
        for block in range(2):
            prefix = f"resnetv20_stage{stage}_block{block}"
            x = _basic_block_v2(g, prefix, x, in_channels, channels, stride if block == 0 else 1,
                                block == 0 and channels != in_channels)
            in_channels = channels
    x = g.batchnorm("resnetv20_batchnorm2", x, 512)
    x = g.relu("resnetv20_relu1_fwd", x)
    x = g.global_avg_pool("resnetv20_pool1_fwd", x)
    x = g.op("Flatten", "resnetv20_flatten0", [x])
    g.heads = [g.dense("resnetv20_dense0", x, 512, 1000)]
    return g


def _conv_bn(g, prefix, x, in_channels, channels, kernel=1, stride=1, pad=0, groups=1,
             relu6=True):
    """Gluon mobilenet's _add_conv: conv (no bias), BatchNorm, RELU6 as clip."""
    x = g.conv(f"{prefix}conv0", x, in_channels, channels, kernel, stride, pad, groups)
    x = g.batchnorm(f"{prefix}batchnorm0", x, channels)
    if relu6:
        x = g.op("clip", f"{prefix}relu60_fwd", [x], a_min=0.0, a_max=6.0)
    return x


def _mobilenet_v2():
    g = Graph(seed=12)
    x = g.input("data", g.uniform(1, 3, 96, 96))
    x = _conv_bn(g, "mobilenetv20_features_", x, 3, 32, 3, 2, 1)
    in_group = [32, 16, 24, 24, 32, 32, 32, 64, 64, 64, 64, 96, 96, 96, 160, 160, 160]
    out_group = [16, 24, 24, 32, 32, 32, 64, 64, 64, 64, 96, 96, 96, 160, 160, 160, 320]
    ts = [1] + [6] * 16
    strides = [1, 2] * 2 + [1, 1, 2] + [1] * 6 + [2] + [1] * 3
    for i, (cin, cout, t, s) in enumerate(zip(in_group, out_group, ts, strides)):
        # LinearBottleneck: expand 1x1, depthwise 3x3, linear 1x1 projection.
        prefix = f"mobilenetv20_features_linearbottleneck{i}_"
        y = _conv_bn(g, prefix + "e", x, cin, cin * t)
        y = _conv_bn(g, prefix + "d", y, cin * t, cin * t, 3, s, 1, groups=cin * t)
        y = _conv_bn(g, prefix + "p", y, cin * t, cout, relu6=False)
        x = g.op("elemwise_add", prefix + "elemwise_add0", [y, x]) if s == 1 and cin == cout else y
    x = _conv_bn(g, "mobilenetv20_features_last_", x, 320, 1280)
    x = g.global_avg_pool("mobilenetv20_features_pool0_fwd", x)
    x = g.conv("mobilenetv20_output_pred", x, 1280, 1000, 1)
    g.heads = [g.op("Flatten", "mobilenetv20_output_flatten0", [x])]
    return g


def _ops_mix():
    """The symbol API's style: short names, defaults left out."""
    g = Graph(seed=13)
    x = g.input("data", g.uniform(1, 4, 24, 24))
    # Grouped, dilated, asymmetric stride, no bias: [1, 8, 12, 22].
    x = g.op("Convolution", "conv0", [x, g.param("conv0_weight", g.normal(8, 2, 3, 3, std=0.4))],
             kernel=(3, 3), num_filter=8, num_group=2, no_bias=True, dilate=(2, 2),
             stride=(2, 1), pad=(2, 1))
    # fix_gamma (True: the stored gamma is ignored) and eps (1e-3) left to
    # their defaults.
    bn = g.op("BatchNorm", "bn0", [x, g.param("bn0_gamma", g.uniform(8, low=0.5, high=1.5)),
                                   g.param("bn0_beta", g.normal(8, std=0.1)),
                                   g.param("bn0_moving_mean", g.normal(8, std=0.1), aux=True),
                                   g.param("bn0_moving_var", g.uniform(8, low=0.5, high=1.5),
                                           aux=True)],
              hidden_outputs=2)
    branches = [g.op("Activation", f"act_{kind}", [bn], act_type=kind)
                for kind in ("sigmoid", "tanh", "softrelu", "softsign")]
    branches.append(g.op("LeakyReLU", "leaky0", [bn], act_type="leaky", slope=0.1))
    branches.append(g.op("LeakyReLU", "prelu0", [bn, g.param("prelu0_gamma",
                                                              g.uniform(8, low=0.0, high=0.5))],
                         act_type="prelu"))
    branches.append(g.op("LeakyReLU", "elu0", [bn], act_type="elu", slope=0.5))
    branches.append(g.op("LeakyReLU", "selu0", [bn], act_type="selu"))
    # Concat's dim left to its default (1): [1, 64, 12, 22].
    x = g.op("Concat", "concat0", branches, num_args=len(branches))
    x = g.op("Convolution", "conv1", [x, g.param("conv1_weight", g.normal(16, 64, 1, 1, std=0.2)),
                                      g.param("conv1_bias", g.normal(16, std=0.1))],
             kernel=(1, 1), num_filter=16)
    # Three poolings to [1, 16, 6, 11] each.
    p_avg = g.op("Pooling", "pool_avg", [x], kernel=(3, 3), stride=(2, 2), pad=(1, 1),
                 pool_type="avg", count_include_pad=False)
    p_sum = g.op("Pooling", "pool_sum", [x], kernel=(2, 2), stride=(2, 2), pool_type="sum")
    # pool_type left to its default (max); full: ceil((12 - 3) / 2) + 1 = 6.
    p_max = g.op("Pooling", "pool_full", [x], kernel=(3, 3), stride=(2, 2),
                 pooling_convention="full")
    x = g.op("Concat", "concat1", [p_avg, p_sum, p_max], num_args=3, dim=1)
    x = g.op("SoftmaxActivation", "chan_softmax", [x], mode="channel")
    x = g.op("Dropout", "drop0", [x], p=0.5, hidden_outputs=1)
    x = g.op("Pooling", "pool_global", [x], kernel=(1, 1), global_pool=True, pool_type="max")
    # flatten left to its default (True): [1, 48, 1, 1] -> [1, 48].
    fc = g.op("FullyConnected", "fc0", [x, g.param("fc0_weight", g.normal(10, 48, std=3.0))],
              num_hidden=10, no_bias=True)
    label = g.variable("softmax_label")  # training only: not a model input
    probs = g.op("SoftmaxOutput", "softmax", [fc, label])
    fc1 = g.op("FullyConnected", "fc1", [x, g.param("fc1_weight", g.normal(6, 48, std=3.0)),
                                         g.param("fc1_bias", g.normal(6, std=0.1))],
               num_hidden=6, flatten=True)
    # The BatchNorm as a head too: MXNet names it bn0_output (its mean and
    # var outputs are hidden).
    g.heads = [probs, g.op("log_softmax", "log_softmax0", [fc1]), bn]  # axis left at -1
    return g


MODELS = [
    ModelSpec("resnet18_v1", _resnet18_v1, onnx=True),
    ModelSpec("resnet18_v2", _resnet18_v2, onnx=True),
    ModelSpec("mobilenet_v2", _mobilenet_v2, onnx=True),
    ModelSpec("ops_mix", _ops_mix),
]
