"""The command line (``sklearn_imd.__main__`` holds its ``main``): the help texts, the
parser, the reading of the input files, the subcommands and the demo's comparisons."""
