"""rnnlib: the numpy core of the course "Recurrent neural networks and LSTMs, step by step".

The step and sequence functions of the three cells are importable from here::

    from rnnlib import rnn_forward, lstm_backward, gru_forward

The library at this level (rnn, lstm, gru, cells, bidirectional, activations, losses, sample, gradcheck,
optim, model, train, data) uses numpy only. The notebooks' support is arranged by chapter, one name per
notebook in every layer: :mod:`rnnlib.lessons` (numpy), :mod:`rnnlib.viz` (matplotlib), :mod:`rnnlib.widgets`
(ipywidgets), :mod:`rnnlib.exercises`; :mod:`rnnlib.classroom` holds the student edition and the
grader. None of them is imported by ``import rnnlib``.
"""

from .activations import relu, sigmoid, softmax, tanh
from .bidirectional import (
    bidirectional_backward,
    bidirectional_forward,
    bidirectional_internals,
    reader_backward,
    reader_forward,
    reverse_padded,
)
from .cells import cell_backward, cell_forward
from .data import (
    BLANK,
    SMUDGE_SYMBOLS,
    SmudgedWords,
    encode_smudged,
    encode_words,
    memory_task,
    one_hot_word,
    position_classes,
    smudge_words,
    split_by_family,
    split_random,
    word_family,
    word_sentiment_data,
)
from .gradcheck import GradCheckReport, gradient_check, numerical_gradient, relative_error
from .gru import (
    gru_backward,
    gru_forward,
    gru_internals,
    gru_step_backward,
    gru_step_forward,
)
from .losses import (
    affine_backward,
    affine_forward,
    binary_logistic_loss,
    last_step,
    per_letter_cross_entropy,
    softmax_cross_entropy,
    temporal_affine_backward,
    temporal_affine_forward,
    temporal_softmax_loss,
)
from .lstm import (
    lstm_backward,
    lstm_forward,
    lstm_internals,
    lstm_step_backward,
    lstm_step_forward,
)
from .model import BlankReader, CharLanguageModel, SequenceClassifier, init_recurrent
from .optim import SGD, Adam, clip_grad_norm, global_norm
from .rnn import rnn_backward, rnn_forward, rnn_step_backward, rnn_step_forward
from .sample import next_letter_distribution, sample_next
from .train import Callback, History, StopTraining, TrainingDiverged, train

__version__ = "0.1.0"

__all__ = [
    "rnn_step_forward", "rnn_step_backward", "rnn_forward", "rnn_backward",
    "lstm_step_forward", "lstm_step_backward", "lstm_forward", "lstm_backward", "lstm_internals",
    "gru_step_forward", "gru_step_backward", "gru_forward", "gru_backward", "gru_internals",
    "cell_forward", "cell_backward",
    "bidirectional_forward", "bidirectional_backward", "bidirectional_internals", "reader_forward",
    "reader_backward", "reverse_padded",
    "sigmoid", "tanh", "softmax", "relu",
    "affine_forward", "affine_backward", "binary_logistic_loss", "softmax_cross_entropy", "last_step",
    "temporal_affine_forward", "temporal_affine_backward", "temporal_softmax_loss", "per_letter_cross_entropy",
    "sample_next", "next_letter_distribution",
    "numerical_gradient", "relative_error", "gradient_check", "GradCheckReport",
    "SGD", "Adam", "clip_grad_norm", "global_norm",
    "SequenceClassifier", "CharLanguageModel", "BlankReader", "init_recurrent",
    "train", "History", "Callback", "StopTraining", "TrainingDiverged",
    "word_sentiment_data", "split_random", "split_by_family", "word_family", "encode_words",
    "one_hot_word", "memory_task",
    "SMUDGE_SYMBOLS", "BLANK", "SmudgedWords", "smudge_words", "encode_smudged", "position_classes",
]
