"""Optimisers, clipping and the training loop."""

import io

import numpy as np
import pytest

from rnnlib import (
    SGD,
    Adam,
    Callback,
    SequenceClassifier,
    StopTraining,
    TrainingDiverged,
    clip_grad_norm,
    global_norm,
    memory_task,
    train,
)


def test_sgd_with_momentum_known_steps():
    p = {"w": np.array([1.0])}
    opt = SGD(p, lr=0.1, momentum=0.5)
    opt.step({"w": np.array([1.0])})  # v = -0.1
    opt.step({"w": np.array([1.0])})  # v = -0.05 - 0.1 = -0.15
    assert p["w"][0] == pytest.approx(1.0 - 0.1 - 0.15)


def test_adam_first_step_moves_by_lr():
    p = {"w": np.array([1.0, -2.0])}
    Adam(p, lr=0.01).step({"w": np.array([3.0, -0.5])})
    np.testing.assert_allclose(p["w"], [0.99, -1.99], atol=1e-6)


@pytest.mark.parametrize("make", [lambda p: SGD(p, lr=0.1, momentum=0.9), lambda p: Adam(p, lr=0.1)])
def test_optimisers_minimise_a_quadratic(make):
    p = {"w": np.array([3.0, -4.0])}
    opt = make(p)
    for _ in range(500):
        opt.step({"w": 2 * p["w"]})
    assert np.linalg.norm(p["w"]) < 1e-2


def test_optimiser_checks():
    with pytest.raises(ValueError, match="lr must be in"):
        SGD({"w": np.zeros(1)}, lr=-1)
    with pytest.raises(ValueError, match="momentum must be in"):
        SGD({"w": np.zeros(1)}, momentum=1.0)
    with pytest.raises(ValueError, match="grads must have the keys"):
        SGD({"w": np.zeros(1)}).step({"v": np.zeros(1)})
    with pytest.raises(ValueError, match=r"grads\['w'\] must have shape \(1,\)"):
        Adam({"w": np.zeros(1)}).step({"w": np.zeros(2)})


def test_clip_grad_norm():
    grads = {"a": np.array([3.0]), "b": np.array([4.0])}
    clipped, norm = clip_grad_norm(grads, 1.0)
    assert norm == pytest.approx(5.0)
    assert global_norm(clipped) == pytest.approx(1.0)
    np.testing.assert_allclose(clipped["a"] / clipped["b"], 0.75)  # direction kept
    same, _ = clip_grad_norm(grads, 10.0)
    np.testing.assert_array_equal(same["a"], grads["a"])
    assert grads["a"][0] == 3.0  # input untouched


@pytest.mark.parametrize("cell", ["rnn", "lstm"])
def test_classifier_gradients_check(rng, cell):
    from rnnlib import numerical_gradient, relative_error

    model = SequenceClassifier(3, 4, cell=cell, seed=1)
    x = rng.normal(size=(5, 6, 3))
    y = rng.integers(0, 2, size=5)
    lengths = np.array([6, 1, 3, 6, 2])
    _, grads, _ = model.loss(x, y, lengths)

    def loss_with(**params):
        saved = model.params
        model.params = params
        try:
            return model.loss(x, y, lengths)[0]
        finally:
            model.params = saved

    for name in model.params:
        num = numerical_gradient(loss_with, dict(model.params), name)
        assert relative_error(grads[name], num) < 1e-7, name


def test_padding_after_the_last_step_does_not_change_predictions(rng):
    model = SequenceClassifier(3, 4, seed=0)
    x = rng.normal(size=(2, 4, 3))
    padded = np.concatenate([x, rng.normal(size=(2, 3, 3))], axis=1)
    np.testing.assert_allclose(model.predict_proba(x), model.predict_proba(padded, lengths=np.array([4, 4])))


def test_memory_task_lag_2_is_learned_deterministically():
    x, y = memory_task(512, lag=2, seed=0)
    x_test, y_test = memory_task(500, lag=2, seed=1)
    accs = []
    for _ in range(2):
        model = SequenceClassifier(8, 16, seed=0)
        history = train(model, x, y, steps=160, batch_size=32, lr=0.1, momentum=0.9, clip=1.0, seed=0)
        accs.append(model.accuracy(x_test, y_test))
        assert history.steps == 160
    assert accs[0] >= 0.95
    assert accs[0] == accs[1]


def test_lstm_learns_memory_task():
    x, y = memory_task(640, lag=5, seed=0)
    model = SequenceClassifier(8, 16, cell="lstm", seed=0, forget_bias=3.0)
    train(model, x, y, epochs=6, batch_size=32, optimizer="adam", lr=1e-2, clip=1.0)
    x_test, y_test = memory_task(500, lag=5, seed=1)
    assert model.accuracy(x_test, y_test) >= 0.95


def test_divergence_is_detected_and_reported():
    x, y = memory_task(64, lag=3, seed=0)
    model = SequenceClassifier(8, 8, seed=0)
    model.params["Wy"][:] = np.inf
    with pytest.raises(TrainingDiverged, match="training diverged at step 0.*Lower the learning rate"):
        train(model, x, y, epochs=1)
    out = io.StringIO()
    history = train(model, x, y, epochs=1, on_divergence="stop", progress=out)
    assert history.diverged and "diverged" in out.getvalue()


def test_an_update_that_overflows_stops_training_at_the_next_step():
    x, y = memory_task(256, lag=3, seed=0)
    model = SequenceClassifier(8, 8, seed=0)

    class Overflowing:
        def step(self, grads):
            with np.errstate(over="ignore"):
                model.params["Wh"] *= 1e200  # one step too many overflows to inf
                model.params["Wh"] *= 1e200

    with pytest.raises(TrainingDiverged, match="diverged at step 1 .*parameters Wh hold NaN or inf"):
        train(model, x, y, epochs=2, optimizer=Overflowing())


def test_callbacks_progress_and_stop():
    x, y = memory_task(100, lag=2, seed=0)

    class Recorder(Callback):
        def __init__(self):
            self.steps, self.epochs = [], []

        def on_step_end(self, info):
            self.steps.append(info)
            assert set(info) >= {"loss", "accuracy", "grad_norm", "grad_norms", "step", "epoch"}
            if info["step"] == 6:
                raise StopTraining

        def on_epoch_end(self, info):
            self.epochs.append(info)

    rec = Recorder()
    out = io.StringIO()
    history = train(SequenceClassifier(8, 4), x, y, epochs=5, batch_size=50, callbacks=[rec], progress=out,
                    val=memory_task(40, 2, seed=3))
    assert len(rec.steps) == 7 and history.steps == 7
    last = out.getvalue().rstrip().split("\r")[-1]  # the progress bar as it was left
    assert len(rec.epochs) == 3 and " 7/10 " in last and "epoch=3" in last
    assert f"val_acc={history.val_accuracy[-1]:.3f}" in last


def test_train_argument_checks():
    x, y = memory_task(10, lag=1)
    model = SequenceClassifier(8, 4)
    with pytest.raises(ValueError, match="exactly one of epochs and steps"):
        train(model, x, y)
    with pytest.raises(ValueError, match=r"y must have shape \(10,\)"):
        train(model, x, y[:5], epochs=1)
    with pytest.raises(ValueError, match="x must have shape"):
        train(model, x[:, :, :3], y, epochs=1)
    with pytest.raises(ValueError, match="cell must be one of"):
        SequenceClassifier(8, 4, cell="transformer")
    with pytest.raises(ValueError, match="hidden_size must be an integer >= 1"):
        SequenceClassifier(8, 0)


def test_orthogonal_init_is_orthogonal():
    model = SequenceClassifier(3, 6, cell="lstm", init="orthogonal")
    for k in range(4):
        block = model.params["Wh"][:, 6 * k:6 * (k + 1)]
        np.testing.assert_allclose(block.T @ block, np.eye(6), atol=1e-12)
