"""Features of images from the user's own network, run by onnxruntime.

:class:`OnnxFeatures` turns images (a folder, image files, arrays) into the
features of an ONNX network (pytorch-fid's Inception, DINOv2, CLIP...,
exported by the user), with the preprocessing that fixes the published
numbers, as a scikit-learn transformer.  Needs the ``features`` extra:
``pip install "sklearn-imd[features]"`` (onnxruntime and Pillow).
"""

from ._onnx import OnnxFeatures

__all__ = ["OnnxFeatures"]
