"""Saving never damages what is there: refused targets, modes, symlinks, kills mid-save and concurrent saves."""

import os
import random
import signal
import socket
import stat
import threading
import time

import numpy as np
import pytest

from termnet import atomic
from termnet.atomic import SaveError, atomic_write, remove_abandoned_temporaries
from termnet.engine import FC, Activation, Network
from termnet.engine.serialization import load_model, save_model

posix_only = pytest.mark.skipif(not hasattr(os, "fork"), reason="kills and flock need POSIX")


def network(seed=0, width=16):
    return (Network(0.1, epochs=1, seed=seed, optimizer="adam").add(FC(64, width)).add(Activation("relu"))
            .add(FC(width, 10)).use("mse").build((64,)))


def leftovers(folder):
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".part"))


# -- what a save refuses to replace -----------------------------------------------------------------------------------
def test_an_empty_name_is_refused(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SaveError, match=r"^no file name given: name the file to write$"):
        save_model(network(), "")
    assert list(tmp_path.iterdir()) == []


def test_a_directory_is_refused(tmp_path):
    with pytest.raises(SaveError, match=rf"^{tmp_path} is a directory: give a file name$"):
        save_model(network(), tmp_path)
    with pytest.raises(SaveError, match=r"ends with a slash, so it names a folder: give a file name"):
        save_model(network(), f"{tmp_path}/new/")
    assert list(tmp_path.iterdir()) == []


def test_a_fifo_or_socket_is_refused_and_left_as_it_was(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(SaveError, match=r"pipe is a device, pipe or socket, not a regular file"):
        save_model(network(), fifo)
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(str(tmp_path / "sock"))
        with pytest.raises(SaveError, match=r"sock is a device, pipe or socket"):
            atomic_write(tmp_path / "sock", b"data")
        assert stat.S_ISSOCK(os.lstat(tmp_path / "sock").st_mode)
    assert leftovers(tmp_path) == []


def test_a_device_is_refused(monkeypatch, tmp_path):
    # a real device would be replaced (as root) if the check failed, so a regular file poses as one
    fake = tmp_path / "full"
    fake.write_bytes(b"")
    real_lstat = os.lstat
    monkeypatch.setattr(atomic.os, "lstat", lambda p: os.stat_result((stat.S_IFCHR | 0o666,) + real_lstat(p)[1:]))
    with pytest.raises(SaveError, match=r"full is a device, pipe or socket, not a regular file"):
        atomic_write(fake, b"zip")
    assert fake.read_bytes() == b""


def test_a_missing_folder_is_named_not_created(tmp_path):
    target = tmp_path / "x" / "y" / "m.termnet"
    with pytest.raises(SaveError, match=rf"folder {tmp_path}/x/y does not exist \(create it first\)"):
        save_model(network(), target)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root may write anything")
def test_a_read_only_file_is_refused(tmp_path):
    target = tmp_path / "m.termnet"
    target.write_bytes(b"old")
    target.chmod(0o444)
    with pytest.raises(SaveError, match=r"m.termnet is read-only: make it writable"):
        atomic_write(target, b"new")
    assert target.read_bytes() == b"old"


def test_a_symlink_is_written_through_to_its_target(tmp_path):
    real = tmp_path / "models" / "m.termnet"
    real.parent.mkdir()
    real.write_bytes(b"old")
    link = tmp_path / "link.termnet"
    link.symlink_to(real)
    assert save_model(network(), link) == link
    assert link.is_symlink() and os.readlink(link) == str(real)
    load_model(real)
    assert leftovers(tmp_path) == leftovers(real.parent) == []
    dangling = tmp_path / "dangling.termnet"
    dangling.symlink_to(tmp_path / "models" / "new.termnet")
    save_model(network(), dangling)
    assert dangling.is_symlink() and (tmp_path / "models" / "new.termnet").is_file()


def test_a_symlink_loop_is_refused(tmp_path):
    (tmp_path / "a").symlink_to(tmp_path / "b")
    (tmp_path / "b").symlink_to(tmp_path / "a")
    with pytest.raises(SaveError, match=r"symlink loop"):
        atomic_write(tmp_path / "a", b"x")


# -- modes ------------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("umask, mode", [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_a_new_file_honours_the_umask(tmp_path, umask, mode):
    old = os.umask(umask)
    try:
        save_model(network(), tmp_path / "m.termnet")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "m.termnet").stat().st_mode) == mode


def test_a_replaced_file_keeps_its_mode(tmp_path):
    target = tmp_path / "m.termnet"
    save_model(network(), target)
    target.chmod(0o640)
    save_model(network(1), target)
    assert stat.S_IMODE(target.stat().st_mode) == 0o640


# -- failures while writing -------------------------------------------------------------------------------------------
def test_a_full_disk_names_the_path_and_keeps_the_old_file(tmp_path, monkeypatch):
    import errno

    target = tmp_path / "m.termnet"
    save_model(network(), target)
    before = target.read_bytes()

    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(atomic.os, "fsync", full)
    with pytest.raises(SaveError, match=rf"^could not write {target}: No space left on device$") as error:
        save_model(network(1), target)
    assert error.value.errno == errno.ENOSPC
    assert target.read_bytes() == before and leftovers(tmp_path) == []


@posix_only
def test_abandoned_temporaries_are_removed_by_the_next_save_live_ones_are_not(tmp_path):
    import fcntl

    target = tmp_path / "m.termnet"
    abandoned = [tmp_path / ".m.termnet.0123456789abcdef.part", tmp_path / ".m.termnet.k3j_9x0a.part"]
    for path in abandoned:
        path.write_bytes(b"half a model")
    live = tmp_path / ".m.termnet.fedcba9876543210.part"
    unrelated = [tmp_path / ".other.termnet.0123456789abcdef.part", tmp_path / "m.termnet.part"]
    for path in [live, *unrelated]:
        path.write_bytes(b"keep")
    with open(live, "rb") as held:
        fcntl.flock(held, fcntl.LOCK_EX)  # as a save in progress holds its temporary
        save_model(network(), target)
        assert leftovers(tmp_path) == sorted(p.name for p in [live, *unrelated])
    assert remove_abandoned_temporaries(target) == [live]


# -- kills ------------------------------------------------------------------------------------------------------------
def _saving_child(target, seed, ready_fd, stall=False):
    """In a forked child: save over and over (or stall in the middle of one) until killed."""
    try:
        net = network(seed, width=512)  # about 1 MB: a save takes long enough to be killed inside
        if stall:
            atomic.os.fsync = lambda fd: time.sleep(3600)
        os.write(ready_fd, b"r")
        while True:
            save_model(net, target)
    finally:
        os._exit(1)


def _fork_saver(target, seed, stall=False):
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_fd)
        _saving_child(target, seed, write_fd, stall)
    os.close(write_fd)
    assert os.read(read_fd, 1) == b"r"
    os.close(read_fd)
    return pid


def _kill(pid):
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)


@posix_only
def test_a_kill_in_the_middle_of_a_save_leaves_the_old_model_and_the_next_save_cleans_up(tmp_path):
    target = tmp_path / "m.termnet"
    save_model(network(7), target)
    before = target.read_bytes()
    pid = _fork_saver(target, 1, stall=True)
    deadline = time.monotonic() + 30
    while not leftovers(tmp_path) and time.monotonic() < deadline:
        time.sleep(0.01)
    _kill(pid)
    assert len(leftovers(tmp_path)) == 1, "the stalled save must have been killed with its temporary written"
    assert target.read_bytes() == before
    save_model(network(2), target)
    assert leftovers(tmp_path) == []


@posix_only
def test_twenty_kills_at_random_points_always_leave_a_loadable_model_and_no_temporary(tmp_path):
    target = tmp_path / "m.termnet"
    save_model(network(0, width=512), target)
    rng = random.Random(10)
    caught_mid_write = 0
    for kill in range(20):
        pid = _fork_saver(target, kill + 1)
        time.sleep(rng.uniform(0, 0.15))
        _kill(pid)
        caught_mid_write += bool(leftovers(tmp_path))
        loaded, _ = load_model(target)  # the old model or a new one, whole
        assert loaded.layers[0].weights.shape == (64, 512)
        save_model(loaded, target)
        assert leftovers(tmp_path) == [], f"kill {kill} left a temporary that the next save did not remove"
    print(f"\n{caught_mid_write} of 20 kills landed in the middle of a write")


# -- concurrent saves -------------------------------------------------------------------------------------------------
def _valid_and_one_of(target, seeds):
    loaded, metadata = load_model(target)
    assert metadata["spec"] in {f"writer{s}" for s in seeds}
    expected = network(int(metadata["spec"][6:])).layers[0].weights
    np.testing.assert_array_equal(loaded.layers[0].weights, expected)


def test_concurrent_saves_from_threads_leave_one_valid_model(tmp_path):
    target = tmp_path / "m.termnet"
    errors = []

    def writer(seed):
        net = network(seed)
        try:
            for _ in range(10):
                save_model(net, target, {"spec": f"writer{seed}"})
        except Exception as error:  # noqa: BLE001 - any failure is the test's finding
            errors.append(error)

    threads = [threading.Thread(target=writer, args=(seed,)) for seed in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    _valid_and_one_of(target, range(8))
    assert leftovers(tmp_path) == []


@posix_only
def test_concurrent_saves_from_processes_leave_one_valid_model(tmp_path):
    target = tmp_path / "m.termnet"
    pids = []
    for seed in range(4):
        pid = os.fork()
        if pid == 0:
            try:
                net = network(seed)
                for _ in range(15):
                    save_model(net, target, {"spec": f"writer{seed}"})
                    load_model(target)  # every reader, at any moment, sees a whole model
            except BaseException:
                os._exit(1)
            os._exit(0)
        pids.append(pid)
    statuses = [os.waitpid(pid, 0)[1] for pid in pids]
    assert statuses == [0] * 4
    _valid_and_one_of(target, range(4))
    assert leftovers(tmp_path) == []
