r"""The essay's other configurations, a character-level language model that writes words, and
truncated backpropagation through time: the numbers behind notebook 07.

(Module docstring to be completed: one bullet per public function, as in the other chapters.)

* the configurations (:data:`CONFIGURATIONS`): for a configuration and a word, which steps read
  an input, which produce an output, what sets h_0 and which steps carry a loss term
  (:func:`configuration_steps`, a :class:`ConfigurationSteps`);
"""

from __future__ import annotations

import dataclasses
import functools

import numpy as np

from ..data import check_word, word_sentiment_data

__all__ = []

# === 1-4. configurations; the language model, sampling, evaluation (helper A1) ===

__all__ += [
    "CONFIGURATIONS",
    "ConfigurationSteps",
    "configuration_steps",
]

CONFIGURATIONS = ("one_to_one", "many_to_one", "one_to_many", "many_to_many", "encoder_decoder")

_TITLES = {
    "one_to_one": "one-to-one",
    "many_to_one": "many-to-one",
    "one_to_many": "one-to-many",
    "many_to_many": "many-to-many (same length)",
    "encoder_decoder": "many-to-many (encoder-decoder)",
}
_TASKS = {
    "one_to_one": "sentiment of a word read as one bag of letters (a feed-forward net)",
    "many_to_one": "sentiment of a word (notebooks 03-06)",
    "one_to_many": "writing a word from its label (as captioning writes from an image)",
    "many_to_many": "predicting every next letter (the character language model)",
    "encoder_decoder": "spelling a word backwards (sequence to sequence, Sutskever et al. 2014)",
}
_LABEL_NAMES = {0: "negative", 1: "positive"}


@functools.lru_cache(maxsize=1)
def _lexicon_labels():
    """word -> "positive" / "negative" for the words of :func:`rnnlib.data.word_sentiment_data`."""
    data = word_sentiment_data()
    return {w: _LABEL_NAMES[int(y)] for w, y in zip(data.words, data.labels)}


@dataclasses.dataclass(frozen=True)
class ConfigurationSteps:
    """What each step t = 1..T of one configuration reads and produces, for one word.

    Attributes
    ----------
    name : str
        One of :data:`CONFIGURATIONS`.
    title : str
        For example ``"many-to-one"``.
    task : str
        The task this configuration does on the course's words.
    word : str
    label : str
        ``"positive"``, ``"negative"`` or ``"?"``.
    inputs : tuple
        One entry per step t = 1..T (``inputs[t-1]``): the symbol x_t read at step t (a letter,
        ``"<start>"``, or for one-to-one the whole word as one bag of letters), or None when the
        step reads nothing.
    outputs : tuple
        One entry per step: the target y_t the step is trained to produce, or None.
    initial : str
        What sets h_0: ``"0"`` or ``"label: positive"``.
    loss_terms : tuple of int
        The steps t (counted from 1) that carry a loss term.
    stages : tuple
        One entry per step: ``"encoder"`` or ``"decoder"`` for the encoder-decoder, None otherwise.
    summary : str
        One line that says it all.
    """

    name: str
    title: str
    task: str
    word: str
    label: str
    inputs: tuple
    outputs: tuple
    initial: str
    loss_terms: tuple
    stages: tuple
    summary: str

    @property
    def T(self):
        """Number of steps."""
        return len(self.inputs)


def _label_name(word, label):
    if label is None:
        return _lexicon_labels().get(word, "?")
    if isinstance(label, str) and label in ("positive", "negative", "?"):
        return label
    if isinstance(label, (int, np.integer)) and not isinstance(label, bool) and int(label) in _LABEL_NAMES:
        return _LABEL_NAMES[int(label)]
    raise ValueError(f"label must be None (look the word up in the lexicon), 'positive', 'negative', '?', "
                     f"0 or 1; got {label!r}")


def configuration_steps(name, word, label=None):
    r"""Which steps of a configuration read an input, which produce an output, and which carry a loss term.

    Parameters
    ----------
    name : str
        One of :data:`CONFIGURATIONS`: ``"one_to_one"``, ``"many_to_one"``, ``"one_to_many"``,
        ``"many_to_many"``, ``"encoder_decoder"``.
    word : str
        Lower-case letters a-z, :math:`w_1 \dots w_n`.
    label : {None, "positive", "negative", "?", 0, 1}
        The word's sentiment; None (default) looks it up in :func:`rnnlib.data.word_sentiment_data`
        (``"?"`` when the word is not there).

    Returns
    -------
    ConfigurationSteps

    Notes
    -----
    For a word of n letters (steps t = 1..T):

    * one-to-one: T = 1; the whole word as one fixed-size input (a bag of letters: 26 letter
      counts), one output, the label. A feed-forward net; an RNN with T = 1. 1 loss term.
    * many-to-one: x_t = w_t for t = 1..n; one output at t = n, the label. 1 loss term.
    * one-to-many: h_0 from the label (h_0 = onehot(label) W_c); inputs ``<start>``,
      w_1..w_n (the true letters when training: teacher forcing; the model's own previous
      letter when writing); outputs w_1..w_n, ``<end>``. T = n + 1, n + 1 loss terms.
    * many-to-many (same length), the character language model: h_0 = 0; the same inputs and
      outputs as one-to-many. n + 1 loss terms.
    * encoder-decoder: the encoder reads w_1..w_n (t = 1..n) and produces nothing; the decoder
      starts from the encoder's h_n and writes the word backwards, w_n..w_1, then ``<end>``,
      reading ``<start>`` and then its previous letter. T = 2n + 1; n + 1 loss terms, all on
      decoder steps (t = n + 1..2n + 1).
    """
    if name not in CONFIGURATIONS:
        raise ValueError(f"name must be one of {CONFIGURATIONS}; got {name!r}")
    word = check_word(word)
    label = _label_name(word, label)
    letters, n = tuple(word), len(word)
    initial, stages = "0", (None,) * (n + 1)
    if name == "one_to_one":
        inputs, outputs = (word,), (label,)
        summary = f"one input (the bag of letters of {word!r}), one output (the label {label!r}): T = 1"
    elif name == "many_to_one":
        inputs, outputs = letters, (None,) * (n - 1) + (label,)
        summary = f"reads {n} letters, answers once at t = {n}: the label {label!r}"
    elif name in ("one_to_many", "many_to_many"):
        inputs, outputs = ("<start>",) + letters, letters + ("<end>",)
        if name == "one_to_many":
            initial = f"label: {label}"
            summary = (f"h_0 from the label {label!r}, then writes {word!r} and <end>: "
                       f"{n + 1} outputs, each letter fed back in")
        else:
            summary = f"reads <start> and {n} letters, predicts each next letter and <end>: {n + 1} outputs"
    else:  # encoder_decoder
        backwards = letters[::-1]
        inputs = letters + ("<start>",) + backwards
        outputs = (None,) * n + backwards + ("<end>",)
        stages = ("encoder",) * n + ("decoder",) * (n + 1)
        summary = (f"the encoder reads {word!r} ({n} steps, no output); the decoder writes "
                   f"{word[::-1]!r} and <end> ({n + 1} steps)")
    if name != "encoder_decoder":
        stages = (None,) * len(inputs)
    loss_terms = tuple(t for t, y in enumerate(outputs, start=1) if y is not None)
    return ConfigurationSteps(name, _TITLES[name], _TASKS[name], word, label, tuple(inputs), tuple(outputs),
                              initial, loss_terms, stages, summary)



# === 5. truncated backpropagation through time (helper A2) ===
