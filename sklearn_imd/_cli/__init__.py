"""Parts of the command line (``sklearn_imd.__main__``): the demo."""
