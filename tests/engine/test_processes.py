"""Batches split with helper processes give the whole batch's gradients and training, and survive a helper's end."""

import os
import time

import numpy as np
import pytest

from termnet.engine import FC, Activation, Convolution, Dropout, Flatten, Network, Pooling, processes
from termnet.engine.layer import Layer
from termnet.engine.losses import CrossEntropy
from termnet.engine.registry import register_layer, unregister_layer

pytestmark = pytest.mark.skipif(not processes.supported(), reason="helper processes need Linux (memfd)")


def cnn(threads=None, activation="relu", dtype="float32", loss="cross_entropy", batch_size=32, epochs=2):
    return (Network(0.05, epochs=epochs, batch_size=batch_size, seed=3, threads=threads, dtype=dtype)
            .add(Convolution((1, 8, 8), 3, 4)).add(Activation(activation)).add(Pooling(2)).add(Flatten())
            .add(FC(36, 5)).add(Activation("softmax")).use(loss))


def data(n=96, dtype=np.float32):
    rng = np.random.default_rng(0)
    return rng.random((n, 1, 8, 8)).astype(dtype), rng.integers(0, 5, n)


@pytest.fixture
def helper():
    helpers = processes.acquire(1)
    assert len(helpers) == 1, "no helper process started"
    yield helpers[0]
    processes.release(helpers)


def two_convolutions(dtype="float64"):
    """Two convolutions of the same depth: their biases have one shape (a helper once mixed them up)."""
    return (Network(0.05, seed=3, dtype=dtype).add(Convolution((1, 8, 8), 3, 4)).add(Activation("relu"))
            .add(Convolution(None, 3, 4)).add(Activation("tanh")).add(Flatten()).add(FC(64, 5))
            .add(Activation("softmax")).use("cross_entropy"))


@pytest.mark.parametrize("activation, loss", [("relu", "cross_entropy"), ("tanh", "mse"), ("two", "cross_entropy")])
def test_a_batch_split_with_a_helper_gives_the_whole_batch_gradients(helper, activation, loss):
    """relu: a convolution fused with its pooling; tanh: three layers; two: two convolutions whose arrays have
    the same shapes. Each share's error carries 1/N of the whole batch, whichever loss, so the summed gradients
    are the batch's."""
    x, labels = data(30, np.float64)
    y = np.eye(5)[labels]
    if activation == "two":
        network = two_convolutions().build((1, 8, 8))
    else:
        network = cnn(activation=activation, dtype="float64", loss=loss).build((1, 8, 8))
    whole = network.gradients(x, y)
    expected = [g.copy() for g in network.grads()]
    shards = processes.ProcessShards(network, [helper], 30)
    try:
        assert shards.helpers == [helper]
        output = shards.train_step(x, y)
    finally:
        shards.close()
    np.testing.assert_allclose(output, whole, rtol=1e-12)
    for got, want in zip(network.grads(), expected):
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-13)


def test_the_helper_trains_on_the_shared_memory_itself(helper):
    """FC and Convolution keep their weights and gradients in attributes: the helper points them at the shared
    memory, so a step copies nothing there. A changed weight in the main process changes the helper's result."""
    x, labels = data(8, np.float64)
    network = cnn(dtype="float64").build((1, 8, 8))
    shards = processes.ProcessShards(network, [helper], 8)
    try:
        before = shards.train_step(x, np.eye(5)[labels])[4:].copy()
        network.layers[4].bias[0] += 1.0  # only in this process: the next step's weights travel
        after = shards.train_step(x, np.eye(5)[labels])[4:]
    finally:
        shards.close()
    assert not np.allclose(before, after)
    np.testing.assert_allclose(after, network.predict(x[4:]), rtol=1e-12)


def test_each_layer_of_a_helper_holds_its_own_part_of_the_shared_memory():
    """The helper's side, built here: every weight and gradient is a view of its own slice of the shared arrays
    (two convolutions of one depth: same-shaped biases), none copied at a step."""
    network = two_convolutions().build((1, 8, 8))
    fd = os.memfd_create("test-share")
    share = processes._Share(processes.fit_message(network, 8), fd)
    arrays = share.arrays
    for mine, shared in ((share.network.params(), arrays.params), (share.network.grads(), arrays.grads)):
        assert len(mine) == len(shared) == 6
        for index, array in enumerate(mine):
            assert [np.shares_memory(array, other) for other in shared] == [i == index for i in range(6)]
    assert share.in_place
    arrays.flat_params[...] = np.arange(arrays.flat_params.size)
    np.testing.assert_array_equal(share.network.layers[2].bias, arrays.params[3])


def test_training_with_a_helper_matches_one_process(monkeypatch):
    split = []
    original = processes.ProcessShards.train_step

    def counted(self, x, y):
        split.append(bool(self.helpers))
        return original(self, x, y)

    monkeypatch.setattr(processes.ProcessShards, "train_step", counted)
    x, labels = data()
    one, two = cnn(threads=1).fit(x, labels), cnn(threads=2).fit(x, labels)
    assert split == [True] * 6  # every step of both epochs, the first fit's too (it waits for a new helper)
    np.testing.assert_allclose(one.history["loss"], two.history["loss"], rtol=1e-5)
    for a, b in zip(one.params(), two.params()):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)


def test_a_helper_that_stops_mid_fit_leaves_the_fit_whole():
    """Killed after the second batch: that step and the rest run in this process, the training as one
    process would; the next fit starts a new helper."""
    from termnet.engine import LambdaCallback

    killed = []

    def kill(batch, logs):
        if batch == 1 and not killed:
            helper = network._sharded.helpers[0]
            helper.process.kill()
            helper.process.wait()
            killed.append(helper)

    x, labels = data()
    network = cnn(threads=2)
    with pytest.warns(RuntimeWarning, match="training goes on without it"):
        network.fit(x, labels, callbacks=[LambdaCallback(on_batch_end=kill)])
    alone = cnn(threads=1).fit(x, labels)
    assert killed and killed[0].problem  # "the helper process stopped" or "is gone", as it was found
    np.testing.assert_allclose(network.history["loss"], alone.history["loss"], rtol=1e-5)
    for a, b in zip(network.params(), alone.params()):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)
    helpers = processes.acquire(1)
    try:
        assert helpers and helpers[0] is not killed[0] and helpers[0].process.poll() is None
    finally:
        processes.release(helpers)


def test_a_helper_that_fails_a_step_says_why_and_is_left_out(helper):
    helper._request({"op": "step", "rows": 1, "total": 2})  # no fit begun: nothing to train
    assert not helper.finish_step(10)
    assert helper.problem == "the helper process failed: RuntimeError: a step came before any fit"
    processes.release([helper])
    assert helper not in processes._idle
    deadline = time.monotonic() + 10
    while helper.process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert helper.process.poll() is not None  # stopped, not left running


def test_a_helper_stops_when_its_socket_closes():
    [helper] = processes.acquire(1)
    helper.close()
    assert helper.process.wait(timeout=10) == 0


def test_a_helper_of_another_termnet_is_not_used(monkeypatch):
    """A helper imports termnet from the same folder as this process (its path goes first); if it found
    another one all the same, training must not use weights laid out by other code."""
    import termnet

    processes.close_all()
    monkeypatch.setattr(processes, "start_problem", None)  # this test's failure is not remembered after it
    monkeypatch.setattr(termnet, "__file__", os.path.join("elsewhere", "termnet", "__init__.py"))
    with pytest.warns(RuntimeWarning, match="trains on one core: the helper process imported termnet from"):
        assert processes.acquire(1) == []
    assert processes.acquire(1) == []  # remembered: no second helper tried (each try could cost a fit 30 s)


class Scaled(Layer):
    """A layer type of a test's own: a helper could not build it."""

    def forward(self, x, training=True):
        return 2 * x

    def backward(self, output_error, learning_rate=None):
        return 2 * output_error


class Halved(CrossEntropy):
    """A loss of a test's own: a helper would rebuild it as the plain cross-entropy."""

    def gradient(self, y_pred, y_true):
        return super().gradient(y_pred, y_true) / 2


def test_layers_and_losses_that_cannot_travel_to_a_helper():
    assert processes.travels(cnn().layers, CrossEntropy())
    assert not processes.travels(cnn().layers[:4] + [Dropout(0.5)], CrossEntropy())  # keeps masks in step
    assert not processes.travels(cnn().layers, Halved())
    register_layer(Scaled)
    try:
        assert not processes.travels([Scaled()], CrossEntropy())
    finally:
        unregister_layer(Scaled)


def test_a_network_that_cannot_use_helpers_splits_over_threads_as_before():
    from termnet.engine import parallel

    network = (Network(0.05, batch_size=32, threads=2).add(Convolution((1, 8, 8), 3, 4)).add(Activation("tanh"))
               .add(Pooling(2)).add(Flatten()).add(Dropout(0.2)).add(FC(36, 5)).add(Activation("softmax"))
               .use("cross_entropy").build((1, 8, 8)))
    steps = parallel.split_steps(network, 2, 32)
    try:
        assert isinstance(steps, parallel.ShardedSteps)
    finally:
        steps.close()


def blas_threads() -> int:
    """The most threads any BLAS NumPy has loaded would use now (0: none known)."""
    from threadpoolctl import threadpool_info

    return max([info["num_threads"] for info in threadpool_info() if info["user_api"] == "blas"] or [0])


class FakeProcess:
    returncode = None

    def poll(self):
        return None


def talking_to_the_test():
    """A Helper whose other end is this test (no process): what it answers is up to the test."""
    helper = object.__new__(processes.Helper)
    helper.sock, theirs = processes.socket.socketpair(processes.socket.AF_UNIX, processes.socket.SOCK_SEQPACKET)
    helper.process, helper.sequence, helper.waiting, helper.problem = FakeProcess(), 0, False, None
    return helper, theirs


@pytest.mark.parametrize("answer, problem", [
    (b"not json", "could not be read"),
    (b"[1]", "answered out of turn: [1]"),
    (b'{"reply": 0, "ok": true}', "answered out of turn"),  # an answer to an earlier request
    (None, "did not answer within 0.2 s"),
    (b"", "stopped"),
])
def test_an_answer_that_is_not_the_one_awaited_is_refused(answer, problem):
    helper, theirs = talking_to_the_test()
    try:
        helper._request({"op": "step", "rows": 1, "total": 2})
        theirs.recv(1 << 16)
        if answer == b"":
            theirs.close()
        elif answer is not None:
            theirs.send(answer)
        assert not helper.finish_step(0.2)
        assert problem in helper.problem
    finally:
        helper.sock.close()
        theirs.close()


def test_a_helper_left_with_a_step_unfinished_is_stopped_not_kept(helper):
    """A fit interrupted (Ctrl+C, an error) between sending a step and reading its answer: that answer would
    be read as the next request's, so the helper is not used again."""
    network = cnn().build((1, 8, 8))
    x, labels = data(8)
    assert helper.begin(network, 8)
    helper.send_step(network.params(), x, np.eye(5, dtype=np.float32)[labels], 16)
    processes.release([helper])
    assert helper not in processes._idle
    assert helper.process.wait(timeout=10) is not None


def test_a_stuck_helper_is_stopped_and_its_share_done_here(monkeypatch):
    import signal

    from termnet.engine import LambdaCallback

    monkeypatch.setattr(processes, "STEP_SECONDS", 0.5)
    stuck = []

    def stop(batch, logs):
        if batch == 0 and not stuck:
            stuck.append(network._sharded.helpers[0])
            os.kill(stuck[0].process.pid, signal.SIGSTOP)

    x, labels = data()
    network = cnn(threads=2)
    with pytest.warns(RuntimeWarning, match="did not answer within"):
        network.fit(x, labels, callbacks=[LambdaCallback(on_batch_end=stop)])
    alone = cnn(threads=1).fit(x, labels)
    for a, b in zip(network.params(), alone.params()):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)
    assert stuck[0].process.wait(timeout=10) == -signal.SIGKILL


@pytest.mark.parametrize("which", [0, 1])
def test_with_two_helpers_one_may_stop_and_the_other_takes_a_larger_share(which):
    """Three shares of 48 samples (16 each); with one helper gone, two of 24: the shared memory has room. The
    first helper's memory holds this process's weights: they stay readable after it stops."""
    from termnet.engine import LambdaCallback

    killed = []

    def kill(batch, logs):
        if batch == 0 and not killed:
            assert len(network._sharded.helpers) == 2
            killed.append(network._sharded.helpers[which])
            killed[0].process.kill()
            killed[0].process.wait()

    x, labels = data()
    network = cnn(threads=3, batch_size=48)
    with pytest.warns(RuntimeWarning):
        network.fit(x, labels, callbacks=[LambdaCallback(on_batch_end=kill)])
    alone = cnn(threads=1, batch_size=48).fit(x, labels)
    for a, b in zip(network.params(), alone.params()):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)


def test_overlapping_fits_give_blas_back_its_threads_in_any_order():
    from threadpoolctl import threadpool_limits

    from termnet.engine import products

    with threadpool_limits(2, user_api="blas"):
        if blas_threads() < 2:
            pytest.skip("no BLAS with two threads to limit here")
        first, second = products.one_blas_thread(), products.one_blas_thread()
        assert blas_threads() == 1
        first.restore_original_limits()
        assert blas_threads() == 1  # the second fit still runs on one core
        second.restore_original_limits()
        second.restore_original_limits()  # twice: no effect
        assert blas_threads() == 2


def test_a_hold_taken_in_another_thread_limits_blas_all_the_same():
    """threadpoolctl 3.8+ ignores a thread's limit while another thread controls OpenBLAS, which a limit and
    its restore in the main thread leave it doing: a fit in the app's worker thread must be limited anyway."""
    import threading

    from threadpoolctl import ThreadpoolController, threadpool_limits

    from termnet.engine import products

    with threadpool_limits(2, user_api="blas"):
        if blas_threads() < 2:
            pytest.skip("no BLAS with two threads to limit here")
        ThreadpoolController().limit(limits=1, user_api="blas").restore_original_limits()  # the main thread's
        seen = []

        def worker():
            hold = products.one_blas_thread()
            seen.append(blas_threads())
            hold.restore_original_limits()
            seen.append(blas_threads())

        thread = threading.Thread(target=worker)
        thread.start()
        thread.join()
        assert seen == [1, 2]


def test_blas_gets_its_threads_back_when_the_last_fit_ends_in_another_thread():
    """The main thread limits first (and so controls OpenBLAS in threadpoolctl 3.8); a worker's fit ends last."""
    import threading

    from threadpoolctl import threadpool_limits

    from termnet.engine import products

    with threadpool_limits(2, user_api="blas"):
        if blas_threads() < 2:
            pytest.skip("no BLAS with two threads to limit here")
        first = products.one_blas_thread()
        holds, go, seen = [], threading.Event(), []

        def worker():
            holds.append(products.one_blas_thread())
            go.wait(10)
            holds[0].restore_original_limits()
            seen.append(blas_threads())

        thread = threading.Thread(target=worker)
        thread.start()
        while not holds:
            time.sleep(0.01)
        first.restore_original_limits()
        assert blas_threads() == 1  # the worker's fit still holds it
        go.set()
        thread.join()
        assert seen == [2]


def test_after_a_fit_the_weights_are_this_process_s_own_again():
    """During the fit they live in memory shared with the helper; a fork of this process would share that
    memory (not copy it), so a child's change would reach the parent's weights."""
    x, labels = data()
    network = cnn(threads=2, epochs=1).fit(x, labels)
    for array in network.params() + network.grads():
        assert array.base is not None and array.base.flags.owndata  # a view of a flat array NumPy allocated
    before = network.get_weights()
    pid = os.fork()
    if pid == 0:  # the child changes its copy of the weights, and ends
        network.params()[0][...] += 100
        os._exit(0)
    os.waitpid(pid, 0)
    for kept, now in zip(before, network.get_weights()):
        for a, b in zip(kept, now):
            np.testing.assert_array_equal(a, b)
    assert cnn(threads=2, epochs=1).fit(x, labels).history["loss"]  # the parent's helper survived the child


def test_a_fit_interrupted_while_it_sets_up_leaves_nothing_behind(monkeypatch):
    from termnet.engine import parallel

    def interrupted(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(parallel, "split_steps", interrupted)
    x, labels = data()
    network = cnn(threads=2)
    with pytest.raises(KeyboardInterrupt):
        network.fit(x, labels)
    assert all(layer.buffers is None for layer in network.layers)
    assert network._sharded is None and network._flat is None and network._augment is None


def test_once_a_helper_could_not_start_batches_split_over_threads_in_shares_of_32(monkeypatch):
    from termnet.engine import network as network_module

    monkeypatch.setattr(network_module, "available_threads", lambda: 4)
    tanh = cnn(activation="tanh", batch_size=32).build((1, 8, 8))
    assert tanh._workers(32) == 2  # two shares of 16, for two processes
    monkeypatch.setattr(processes, "start_problem", "could not start")
    assert tanh._workers(32) == 1 and tanh._workers(64) == 2  # threads: shares of 32
