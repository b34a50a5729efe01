"""Write a small ONNX network of random-but-seeded convolutional features.

A stand-in for the network one evaluates with (pytorch-fid's Inception, DINOv2,
CLIP, exported to ONNX as the user guide shows), to try the feature path of
sklearn-imd without downloading anything::

    python examples/make_onnx_network.py net.onnx
    sklearn-imd stats real_images/ -o real.npz --features net.onnx
    sklearn-imd compare real.npz fake_images/ --features net.onnx

The network takes RGB images ``(batch, 3, 64, 64)`` in [0, 1] (any batch
size) and returns 64 features per image: two 3 x 3 convolutions with ReLU
(stride 2, 16 then 64 channels, seeded Gaussian weights), a global average
pooling and a flatten.  Its feature space is named after the file ("net").
Needs the ``onnx`` package (in the ``features`` extra: ``pip install "sklearn-imd[features]"``).
"""

import argparse

import numpy as np


def make_network(size=64, channels=(16, 64), seed=0):
    """The ONNX model (an ``onnx.ModelProto``) described above."""
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(seed)
    nodes, weights, previous, c_in = [], [], "images", 3
    for i, c_out in enumerate(channels):
        W = rng.normal(scale=np.sqrt(2 / (9 * c_in)), size=(c_out, c_in, 3, 3))
        b = rng.normal(scale=0.1, size=c_out)
        weights += [numpy_helper.from_array(W.astype(np.float32), f"W{i}"),
                    numpy_helper.from_array(b.astype(np.float32), f"b{i}")]
        nodes += [helper.make_node("Conv", [previous, f"W{i}", f"b{i}"], [f"conv{i}"],
                                   kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1]),
                  helper.make_node("Relu", [f"conv{i}"], [f"relu{i}"])]
        previous, c_in = f"relu{i}", c_out
    nodes += [helper.make_node("GlobalAveragePool", [previous], ["pooled"]),
              helper.make_node("Flatten", ["pooled"], ["features"])]
    graph = helper.make_graph(
        nodes, "seeded_conv_features",
        [helper.make_tensor_value_info("images", TensorProto.FLOAT, ["batch", 3, size, size])],
        [helper.make_tensor_value_info("features", TensorProto.FLOAT, ["batch", c_in])],
        initializer=weights)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)],
                             ir_version=8, producer_name="sklearn-imd example")


def main(argv=None):
    import onnx

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("output", help="the .onnx file to write")
    parser.add_argument("--size", type=int, default=64, help="input width and height "
                        "(default: %(default)s)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the weights "
                        "(default: %(default)s)")
    args = parser.parse_args(argv)
    model = make_network(args.size, seed=args.seed)
    onnx.checker.check_model(model)
    onnx.save(model, args.output)
    print(f"wrote {args.output}: images (batch, 3, {args.size}, {args.size}) in [0, 1] -> "
          f"(batch, 64) features")


if __name__ == "__main__":
    main()
