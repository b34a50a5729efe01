"""The input files of the command line: statistics files told from archives of
arrays, ``--key`` checked against the inputs, and the point clouds read from them."""

import os

from .texts import PROG


def _is_stats_file(path):
    """Whether ``path`` is an .npz archive of reference statistics: ``mu`` and
    ``sigma`` (pytorch-fid's) and no arrays but those a statistics file holds,
    or another tool's statistics (guided-diffusion's reference batches,
    dgm-eval's representations, torch-fidelity's cached ``.pt``).
    Another archive that holds arrays named so (say a VAE's ``z``, ``mu``,
    ``sigma``) is a file of arrays like any other."""
    from .._io.arrays import _open_zip
    from .._stats_formats import is_torch_file, peer_format

    ext = os.path.splitext(path)[1].lower()
    if ext == ".pt":  # torch-fidelity's cached statistics (ReferenceStats.load reads them)
        return os.path.isfile(path) and is_torch_file(path)
    if ext != ".npz" or not os.path.isfile(path):
        return False
    try:
        archive, members = _open_zip(path)
    except ValueError:
        return False  # load_points gives the error
    archive.close()
    names = set(members)
    if peer_format(names) in ("guided-diffusion", "dgm-eval"):
        return True  # a reference batch (mu, sigma; its images are not read), dgm-eval reps
    if not {"mu", "sigma"} <= names:
        return False
    from .._reference import _STATS_KEYS

    return names <= _STATS_KEYS


def _is_npz(path):
    return os.path.splitext(path)[1].lower() == ".npz"


def _check_key(key, paths, none_is):
    """Refuse --key when no input is an .npz file (``none_is`` says so for the message)."""
    if key is not None and not any(_is_npz(p) for p in paths):
        raise ValueError(f"--key applies only to .npz files, and {none_is}.")


def _read(path, key):
    """load_points with --key only for .npz inputs; a statistics file gives its
    stored features (never its mean, covariance or radii as points)."""
    from ..io import load_points

    if _is_stats_file(path):
        return _stats_features(path, key)
    # a .npy memory-mapped: read once, by the metrics, never into a buffer
    # and then a copy of it (float32 and float64 are used where they are)
    return load_points(path, key if _is_npz(path) else None,
                       mmap=os.path.splitext(path)[1].lower() == ".npy")


def _stats_features(path, key):
    """The features a statistics file holds, as a point cloud."""
    from .._reference import ReferenceStats

    if key not in (None, "features", "reps"):
        raise ValueError(
            f"{path} is a statistics file (sklearn-imd stats or pytorch-fid): its {key!r} "
            "is a summary, not a point cloud. A point cloud is its 'features', if it holds "
            f"them; for FID from its mean and covariance use `{PROG} compare {path} GEN`."
        )
    stats = ReferenceStats.load(path)
    if stats.features is None:
        raise ValueError(
            f"{path} is a statistics file without features (only their mean and covariance"
            f"{' and IMD signature' if stats.imd_signature is not None else ''}): score needs "
            f"points. Use `{PROG} compare {path} GEN`, which scores FID (and IMD, from a "
            "stored signature) against it."
        )
    return stats.features


def _parse_size(text):
    """--size: 'WxH' (width x height) or 'N' (a square), as (width, height)."""
    if text is None:
        return None
    parts = text.lower().split("x")
    try:
        values = [int(p) for p in parts]
    except ValueError:
        values = []
    if len(values) not in (1, 2) or min(values, default=0) <= 0:
        raise ValueError(f"--size must be WxH (width x height, e.g. 64x64) or N; "
                         f"got {text!r}.")
    return (values[0], values[-1])


class _Images:
    """How the command reads image folders: through --features' network, or as
    raw pixels (--size, --recursive)."""

    def __init__(self, args, paths):
        self.size = _parse_size(getattr(args, "size", None))
        self.recursive = bool(getattr(args, "recursive", False))
        features = getattr(args, "features", None)
        preset = getattr(args, "preset", None)
        folders = [p for p in paths if p is not None and os.path.isdir(p)]
        self.folders = folders
        self.net = None
        if not folders:
            for option, given in (("--size", self.size is not None),
                                  ("--recursive", self.recursive)):
                if given:
                    raise ValueError(f"{option} applies to image folders, and no input is one.")
        if features is None:
            if preset is not None:
                raise ValueError("--preset applies only with --features NET.onnx.")
            for option in ("batch_size", "resize"):
                if getattr(args, option, None) is not None:
                    raise ValueError(f"--{option.replace('_', '-')} applies only with "
                                     "--features NET.onnx.")
            return
        if not folders:
            raise ValueError("--features applies to image folders, and no input is one "
                             "(files of points are used as they are).")
        from ..features import OnnxFeatures
        from ..features._onnx import space_name
        from ..features._preprocess import PRESETS

        named = space_name(features, None)
        if preset is None and named in PRESETS:
            # the name would record a preset's features made without its preprocessing
            raise ValueError(f"{features} is named like the preset {named!r}, but --preset is "
                             f"not given: add --preset {named} for its preprocessing (its "
                             "size, mean and std), or rename the file.")
        resize = getattr(args, "resize", None)
        net = OnnxFeatures(features, preset, size=self.size, recursive=self.recursive,
                           resize="bicubic-pil" if resize is None else resize,
                           batch_size=64 if args.batch_size is None else args.batch_size,
                           progress=args.verbose)
        self.net = net.fit()

    def space(self):
        """The feature space the folders' points are in: the network's, or
        'pixels'; None without image folders."""
        if self.net is not None:
            return self.net.feature_space_
        return "pixels" if self.folders else None

    def read(self, path, key):
        if self.net is not None and os.path.isdir(path):
            return self.net.transform(path)
        if os.path.isdir(path):
            from ..io import load_images

            return load_images(path, size=self.size, recursive=self.recursive)
        return _read(path, key)


def _pixels_note(images, space):
    """The note that raw-pixel metrics are no network's (printed on stderr)."""
    import sys

    if images.net is None and images.folders and space == "pixels":
        print(f"{PROG}: note: {', '.join(images.folders)}: image folders read as raw "
              "pixels (feature space 'pixels': fd_pixels, kd_pixels...). These are not "
              "Inception FID; give --features NET.onnx --preset inception for a network's "
              "features.", file=sys.stderr)
