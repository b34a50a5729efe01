import numpy as np
import pytest


@pytest.fixture
def rng():
    return np.random.default_rng(20200426)


def gaussian_cloud(n=300, d=5, seed=0):
    return np.random.default_rng(seed).normal(size=(n, d))
