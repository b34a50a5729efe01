"""The texts of the command line: the program's name, the defaults of ``--ci``
and the help texts (descriptions and epilogs) of the program and its subcommands."""

PROG = "sklearn-imd"

_CI_LEVEL, _N_RESAMPLES = 0.95, 99
_COMPARE_RESAMPLES = 20
_RANK_RESAMPLES = 10  # rank_models' default

_DESCRIPTION = """\
IMD, the intrinsic multi-scale distance (Tsitsulin et al., ICLR 2020), compares
two point clouds through the heat-kernel traces of their k-nearest-neighbour
graphs.  The clouds may differ in size and dimension; 0 means identical
multi-scale geometry, larger means more different.

subcommands:
  score A B           print the IMD between the point clouds in files A and B
                      (.npy, .npz, .csv: one point per row; or a folder of
                      images, raw pixels) as a bare number, with --ci followed
                      by a confidence interval
  compare REF GEN...  score generated samples against a reference with every
                      metric (IMD, FID, KID, precision, recall, density,
                      coverage, Vendi): a table, or JSON with --json
  stats REF -o FILE   save a reference's statistics once, for compare
  demo                print a table of IMDs between variants of scikit-learn's
                      bundled digits data set (no download needed)

Run 'sklearn-imd COMMAND --help' for the options of a subcommand."""

_EPILOG = """\
examples:
  sklearn-imd score real.npy generated.npy
  sklearn-imd score real.csv generated.npz --key features --seed 0
  sklearn-imd score real.npy generated.npy --ci --seed 0
  score=$(sklearn-imd score a.npy b.npy --nv 200 --seed 0)
  sklearn-imd stats real_images/ -o real.npz --seed 0
  sklearn-imd stats real_images/ -o real.npz --features inception.onnx --preset inception
  sklearn-imd compare real.npz gan.npy vae.npy --seed 0 --json
  python -m sklearn_imd demo --seed 1

Errors print 'sklearn-imd: error: <message>' on stderr and exit with status 2;
warnings print 'sklearn-imd: warning: <message>' on stderr."""

_SCORE_DESCRIPTION = """\
Print the IMD between the point clouds stored in files A and B as a bare
number (6 significant digits) on stdout, for use in scripts.  With --ci the
number is followed on the same line by a confidence interval, e.g.
  12.3456  95% CI [9.87, 15.2]

Each input is a regular file (symbolic links are followed) holding one 2-D
array of shape (n_points, n_features), or a folder of images:
  .npy    a single array of numbers (arrays of Python objects are refused);
          an array of images, (N, H, W) or (N, H, W, C), is flattened to
          one row per image, with a note
  .npz    an archive; its only array, or the one named by --key
  .csv    comma-separated numbers, one point per row; a first row that is
          not numeric is taken as a header and skipped; '#' starts a comment.
          Leading columns with no name in the header, as in the index that
          pandas writes by default, are dropped with a warning if they hold
          integers (best: df.to_csv(path, index=False))
  folder  images (.bmp, .jpg, .jpeg, .pgm, .png, .ppm, .tif, .tiff, .webp;
          needs Pillow: pip install "sklearn-imd[images]"), one row of raw
          pixels per image in file-name order, scaled to [0, 1]; all of one
          size; subfolders skipped with a warning

A and B may differ in their number of points and of features.  IMD is a
randomised estimate: pass --seed for a reproducible value."""

_SCORE_EPILOG = """\
confidence interval (--ci):
  The interval shows how much the score would move with other samples of
  the same sizes from the same two distributions.  It is computed by
  sklearn_imd.imd_test from the IMDs of --n-resamples pairs of half-size
  subsamples (drawn without replacement), their spread scaled to the full
  sizes.  It needs A and B with the same number of features and at least
  2 (k + 1) points each, and costs about 2 (n_resamples + 2) signatures
  instead of 2.  No permutation p-value is computed (imd_test in Python
  gives one).

examples:
  sklearn-imd score real.npy generated.npy
  sklearn-imd score a.npz b.npz --key embeddings --seed 0
  sklearn-imd score a.csv b.csv --k 10 --nv 500
  sklearn-imd score a.npy b.npy --ci --ci-level 0.9 --n-jobs -1 --seed 0"""

_DEMO_DESCRIPTION = """\
Compare variants of scikit-learn's bundled digits data set (1797 images of
8x8 pixels, i.e. 1797 points in 64 dimensions) and print a table of their
IMDs and the time each took: two random halves of the data (same
distribution), digits 0-4 against digits 5-9, the digits against copies with
Gaussian pixel noise or blurred by a 3x3 mean filter, and the digits against
uniform random noise.  The output is reproducible for a given --seed."""


_COMPARE_DESCRIPTION = """\
Score each generated sample GEN against the reference REF with every metric
that applies, and print one row per GEN: IMD and IMD beyond its floor at
these sizes, FID, KID, precision, recall, density and coverage against REF,
and the Vendi score (diversity) of GEN itself.  Every GEN is scored at one
size: a larger one is subsampled (seeded) to the smallest one's size, and a
note says so (--sample-size all scores them as given).  The inputs are read as by 'score' (.npy, .npz, .csv or a folder of
images); REF may also be a statistics file written by 'sklearn-imd stats'
(or pytorch-fid's --save-stats file: FID only).  Samples of another number
of features than REF get IMD and Vendi only.

Image folders are raw pixels unless --features NET.onnx runs them through
your network (sklearn_imd.features.OnnxFeatures; --preset inception, dinov2
or clip for its preprocessing): raw pixels are feature space 'pixels'
(fd_pixels, kd_pixels...: not Inception FID, a note says so); a network's
feature space is --preset, else the file's name.  A REF statistics file of
another feature space is refused.

With --json the output is one JSON object keyed by each GEN as given on the
command line, each a mapping metric name -> value (names: imd, imd_excess,
fid, fid_inf, kid, cmmd, sw, mind, precision, recall, density, coverage, ct,
authenticity, vendi, named by --feature-space as in the table; with --ci also
<name>_low and <name>_high; with --rank also "ranking": per metric, each
model's rank and each pair's difference, interval and Holm-adjusted p-value).

With --rank (two GEN or more), the table gets intervals and, per metric,
the models from best to worst with their ranks (models whose difference is
not significant at --alpha share a rank) and each pair's difference: the
models are scored on the same redraws of REF, so a difference is much
steadier than two separate intervals suggest (sklearn_imd.rank_models).  The numbers equal those of sklearn_imd.compare in Python for
the same --seed."""

_COMPARE_EPILOG = """\
metrics:
  imd        intrinsic multi-scale distance of the kNN graphs (0 = same shape)
  imd_excess imd less its floor at these sizes (mean imd of re-splits of REF
             and GEN pooled): about 0 for a GEN of REF's distribution
  fid        Frechet distance of the Gaussians fitted to the features
  fid_inf    FID extrapolated to infinitely many GEN samples (FD-infinity;
             only when asked for: it costs 15 FIDs)
  kid        kernel inception distance (unbiased, cubic polynomial kernel)
  cmmd       CLIP-MMD: biased MMD^2 of a Gaussian kernel of bandwidth 10, times
             1000, meant for unit-norm CLIP embeddings (only when asked for)
  sw         sliced Wasserstein-2 distance over 1000 random directions,
             seeded by --seed (only when asked for)
  mind       torch-fidelity's MIND: 3 x features x sw^2 (only when asked for)
  precision  share of GEN inside REF's kNN balls (fidelity)
  recall     share of REF inside GEN's kNN balls (diversity)
  density    REF balls around each GEN point / k (fidelity, about 1 if alike)
  coverage   share of REF balls holding a GEN point (diversity)
  ct         data-copying test with --train, or a REF saved by 'stats --train'
             (REF held out from TRAIN): about 0 if GEN generalises, strongly
             negative (< -3) if it copies TRAIN
  authenticity  share of GEN farther from its nearest TRAIN point than that
             point's own nearest neighbour (0 for copies; compare with REF's)
  vendi      effective number of distinct samples of GEN (cosine kernel)

--feature-space NAME (e.g. dinov2, clip) changes no number, only the names:
fid, fid_inf and kid become fd_NAME, fd_inf_NAME and kd_NAME (as dgm-eval's
FD-DINOv2), every other metric gets _NAME (imd_NAME, precision_NAME, ...);
inception keeps the names.  --metrics takes the metrics' names.  A REF
statistics file saved with 'stats --feature-space' gives its own, and
refuses another.

examples:
  sklearn-imd compare real.npy gan.npy vae.npy --seed 0
  sklearn-imd compare real.npz gan.npy --metrics imd,fid,precision,recall --json
  sklearn-imd compare real_images/ samples_a/ samples_b/ --ci --seed 0 --n-jobs -1
  sklearn-imd compare real.npz samples/ --features inception.onnx --preset inception
  sklearn-imd compare real.npy a.npy b.npy c.npy --rank --seed 0
  sklearn-imd compare clip_real.npy clip_gen.npy --metrics cmmd,sw --feature-space clip
  sklearn-imd compare test.npy gen.npy --train train.npy --seed 0
  sklearn-imd stats test.npy -o test.npz --train train.npy --seed 0 && \\
      sklearn-imd compare test.npz gen.npy --seed 0
  sklearn-imd stats real.npy -o real.npz --seed 0 && \\
      sklearn-imd compare real.npz gen.npy --seed 0"""

_STATS_DESCRIPTION = """\
Compute a reference sample's statistics once and save them to a .npz file:
its mean and covariance (FID; pytorch-fid's 'mu' and 'sigma'), its IMD
signature, its k-NN radii and, unless --no-features, the features themselves
(KID and the kNN metrics compare points).  'sklearn-imd compare FILE GEN...'
then reuses them.  The signature is reused when compare runs with the same
IMD parameters and --seed; otherwise it is recomputed from the features.

With --train TRAIN (the models' training set, REF held out from it) the file
also holds TRAIN, the distance of each of its points to its nearest other
one and, unless --no-features, the k-means cells of the data-copying test
(REF as its test set), so that compare adds ct and authenticity without
--train.  The cells are reused when compare runs with the same --seed (or
none); with another, they are refitted from the stored TRAIN and REF.

An image folder REF is stored as raw pixels (feature space 'pixels') unless
--features NET.onnx runs it through your network (feature space: --preset,
else the file's name; --feature-space names it otherwise)."""
