"""The Numba kernels' on-disk cache is private to its user, or not used at all.

Numba's index files are pickles: a cache folder that another user can write
would let them run code in the next user's process."""

import os
import stat
import warnings

import pytest

import sklearn_imd._kernels.jit as jit

pytestmark = pytest.mark.skipif(not hasattr(os, "getuid"), reason="POSIX owners and modes")


@pytest.fixture
def fresh(monkeypatch, tmp_path):
    """cache_dir() computed anew, its one warning not yet given; restored after."""
    monkeypatch.setattr(jit, "_warned", False)
    monkeypatch.delenv("SKLEARN_IMD_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.setattr(jit.tempfile, "gettempdir", lambda: str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir(mode=0o1777)
    os.chmod(tmp_path / "tmp", 0o1777)  # as /tmp: world-writable with the sticky bit
    jit.cache_dir.cache_clear()
    yield tmp_path
    jit.cache_dir.cache_clear()


def mode(path):
    return stat.S_IMODE(os.lstat(path).st_mode)


def test_the_default_folder_is_created_private(fresh):
    path = jit.cache_dir()
    assert path == str(fresh / "xdg" / "sklearn-imd" / "numba")
    assert mode(path) == 0o700 and mode(os.path.dirname(path)) == 0o700


def refused(match, instead=None):
    """cache_dir() refuses a folder with one warning matching ``match`` and gives
    ``instead`` (the private temporary fallback, or None: no cache)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert jit.cache_dir() == instead
    found = [w for w in caught if w.category is jit.CacheDirWarning]
    assert len(found) == 1, [str(w.message) for w in found]
    message = str(found[0].message)
    assert match in message and "SKLEARN_IMD_CACHE_DIR" in message
    if instead is None:
        assert "compiled without an on-disk cache" in message
    else:
        assert f"the kernels are cached in {instead} instead" in message
        assert mode(instead) == 0o700
    assert found[0].filename == __file__  # the warning points at the caller
    return message


def fallback(tmp):
    return str(tmp / "tmp" / f"sklearn-imd-numba-{os.getuid()}")


def test_a_world_writable_folder_is_refused(fresh, monkeypatch):
    planted = fresh / "planted"
    planted.mkdir()
    os.chmod(planted, 0o777)
    monkeypatch.setenv("SKLEARN_IMD_CACHE_DIR", str(planted))
    message = refused("writable by group or others", instead=fallback(fresh))
    assert "could make sklearn_imd run their code" in message


def test_a_symbolic_link_is_refused(fresh, monkeypatch):
    target = fresh / "target"
    target.mkdir(mode=0o700)
    (fresh / "link").symlink_to(target)
    monkeypatch.setenv("SKLEARN_IMD_CACHE_DIR", str(fresh / "link"))
    refused("symbolic link", instead=fallback(fresh))


def test_a_file_is_refused(fresh, monkeypatch):
    (fresh / "file").write_text("")
    monkeypatch.setenv("SKLEARN_IMD_CACHE_DIR", str(fresh / "file"))
    message = refused("not a directory", instead=fallback(fresh))
    assert "run their code" not in message  # a file is a mistake, not a threat


def test_someone_elses_folder_is_refused(fresh, monkeypatch):
    # the folder is ours; we pretend to be another user, so the real check of
    # its owner sees someone else's folder
    own = fresh / "own"
    own.mkdir(mode=0o700)
    monkeypatch.setenv("SKLEARN_IMD_CACHE_DIR", str(own))
    other = os.getuid() + 4242
    monkeypatch.setattr(jit.os, "getuid", lambda: other)
    # the fallback, made now, is not the pretended user's either: no cache
    refused("is owned by uid")


def test_the_fallback_is_private_and_per_user(fresh, monkeypatch):
    (fresh / "a_file").write_text("")
    monkeypatch.setenv("SKLEARN_IMD_CACHE_DIR", str(fresh / "a_file" / "cache"))
    path = jit.cache_dir()
    assert path == str(fresh / "tmp" / f"sklearn-imd-numba-{os.getuid()}")
    assert mode(path) == 0o700


def test_a_folder_planted_at_the_temporary_fallback_is_refused(fresh, monkeypatch):
    # no writable per-user folder: the fallback is per user, and checked too
    # (a folder under a file cannot be created, even by root)
    (fresh / "a_file").write_text("")
    monkeypatch.setenv("SKLEARN_IMD_CACHE_DIR", str(fresh / "a_file" / "cache"))
    planted = fresh / "tmp" / f"sklearn-imd-numba-{os.getuid()}"
    planted.mkdir()
    os.chmod(planted, 0o777)
    refused("writable by group or others")


def plant(path):
    path.mkdir()
    os.chmod(path, 0o777)
    return path


def test_both_folders_planted_no_cache(fresh, monkeypatch):
    monkeypatch.setenv("SKLEARN_IMD_CACHE_DIR", str(plant(fresh / "planted")))
    plant(fresh / "tmp" / f"sklearn-imd-numba-{os.getuid()}")
    message = refused("writable by group or others")
    assert str(fresh / "planted") in message and fallback(fresh) in message


def test_the_warning_is_given_once(fresh, monkeypatch):
    monkeypatch.setenv("SKLEARN_IMD_CACHE_DIR", str(plant(fresh / "planted")))
    refused("writable", instead=fallback(fresh))
    jit.cache_dir.cache_clear()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert jit.cache_dir() == fallback(fresh)
    assert not caught


def test_a_kernel_without_a_private_folder_is_compiled_uncached(fresh, monkeypatch):
    planted = plant(fresh / "planted")
    monkeypatch.setenv("SKLEARN_IMD_CACHE_DIR", str(planted))
    plant(fresh / "tmp" / f"sklearn-imd-numba-{os.getuid()}")
    monkeypatch.setattr(jit.numba.config, "CACHE_DIR", "")
    with pytest.warns(jit.CacheDirWarning):
        add = jit.njit(cache=True)(lambda a, b: a + b)
    assert add(2, 3) == 5
    assert list(planted.iterdir()) == []  # nothing written to the planted folder


def test_a_folder_made_unsafe_after_it_was_chosen_is_refused(fresh, monkeypatch):
    path = jit.cache_dir()
    os.chmod(path, 0o777)
    monkeypatch.setattr(jit.numba.config, "CACHE_DIR", "")
    with pytest.warns(jit.CacheDirWarning, match="writable by group or others"):
        same = jit.njit(cache=True)(lambda a: a)
    assert same(7) == 7
