import keras
import tensorflow as tf
from tensorboard.plugins.hparams import api as hparams_api


class TensorBoardLogger(keras.callbacks.Callback):
    """Writes train and validation scalars, hparams and (on request) a profile.

    Per epoch: every metric of the logs (`val_*` go to the `validation` run under
    the same tag, so TensorBoard overlays them), with the learning rate and
    examples/s. Every `update_freq` steps: the batch loss and accuracy under
    `batch/`. Works from any loop that calls the Keras callback hooks.

    Example:
        >>> logger = TensorBoardLogger("runs/x/logs", hparams={"model": "lstm_classifier"})
        >>> trainer.fit(batches, epochs=3, callbacks=[logger])
    """

    def __init__(self, log_dir, *, hparams=None, update_freq=50, profile_batches=None):
        super().__init__()
        self.log_dir = log_dir
        self.hparams = hparams or {}
        self.update_freq = update_freq
        self.profile_batches = profile_batches  # (first, last) step numbers, or None
        self._global_step = 0
        self._epoch_start_step = 0
        self._profiling = False

    def on_train_begin(self, logs=None):
        self.train_writer = tf.summary.create_file_writer(f"{self.log_dir}/train")
        self.validation_writer = tf.summary.create_file_writer(f"{self.log_dir}/validation")
        if self.hparams:
            with self.train_writer.as_default():
                hparams_api.hparams({k: _hparam_value(v) for k, v in self.hparams.items()})

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch_start_step = self._global_step

    def on_train_batch_begin(self, batch, logs=None):
        if self.profile_batches and not self._profiling and self._global_step >= self.profile_batches[0]:
            tf.profiler.experimental.start(f"{self.log_dir}/train")
            self._profiling = True

    def on_train_batch_end(self, batch, logs=None):
        # `batch` counts the epoch's steps so far; with several steps per execution it moves by more than one.
        previous, self._global_step = self._global_step, self._epoch_start_step + batch
        if self._profiling and self._global_step >= self.profile_batches[1]:
            tf.profiler.experimental.stop()
            self._profiling, self.profile_batches = False, None
        if self.update_freq and logs and self._global_step // self.update_freq != previous // self.update_freq:
            with self.train_writer.as_default(step=self._global_step):
                for name, value in logs.items():
                    tf.summary.scalar(f"batch/{name}", value)

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        with self.train_writer.as_default(step=epoch + 1):
            for name, value in logs.items():
                if not name.startswith("val_"):
                    tf.summary.scalar(f"epoch/{name}", value)
        with self.validation_writer.as_default(step=epoch + 1):
            for name, value in logs.items():
                if name.startswith("val_"):
                    tf.summary.scalar(f"epoch/{name[4:]}", value)
        self.train_writer.flush()
        self.validation_writer.flush()

    def on_train_end(self, logs=None):
        if self._profiling:
            tf.profiler.experimental.stop()
            self._profiling = False
        self.train_writer.close()
        self.validation_writer.close()


def _hparam_value(value):
    return value if isinstance(value, (bool, int, float, str)) else str(value)


class SampleTextLogger(keras.callbacks.Callback):
    """Logs text made at the end of each epoch as TensorBoard text (Markdown), under `samples/`.

    `make_text()` gives the text: a language model's continuation of a prompt
    (`continuation_sample`), a translator's output for a few validation
    sources next to their references (`translation_samples`).

    Example:
        >>> SampleTextLogger(continuation_sample(TextGenerator(model, preprocessor), "ROMEO:"), "runs/x/logs")
    """

    def __init__(self, make_text, log_dir, *, tag="sample"):
        super().__init__()
        self.make_text, self.log_dir, self.tag = make_text, log_dir, tag
        self.last_sample = None

    def on_train_begin(self, logs=None):
        self.writer = tf.summary.create_file_writer(f"{self.log_dir}/samples")

    def on_epoch_end(self, epoch, logs=None):
        try:
            self.last_sample = self.make_text()
        except ValueError as error:  # e.g. a prompt outside the vocabulary: report, keep training
            self.last_sample = f"(no sample: {error})"
        with self.writer.as_default(step=epoch + 1):
            tf.summary.text(self.tag, self.last_sample)
        self.writer.flush()

    def on_train_end(self, logs=None):
        self.writer.close()


def continuation_sample(generator, prompt, *, max_length=None, sampler="top_p", p=0.9, seed=0):
    """A `make_text` for `SampleTextLogger`: the generator's continuation of `prompt`, as a Markdown code block.

    `max_length=None`: the generator's default (as many tokens as fit, up to 200).
    """

    def make_text():
        # A code block keeps line breaks and spacing as generated.
        text = generator.generate([prompt], max_length=max_length, sampler=sampler, p=p, seed=seed)[0]
        return "```\n" + text + "\n```"

    return make_text


def translation_samples(model, pairs):
    """A `make_text` for `SampleTextLogger`: a Markdown table of `(source, reference)` pairs and greedy translations."""

    def cell(text):
        return text.replace("|", "\\|").replace("\n", " ")

    from kzoo.generation import Translator

    # Without XLA: a handful of sentences decode fast in graph mode, and no extra program is compiled.
    translator = Translator(model, jit_compile=False)

    def make_text():
        translations = translator.translate([source for source, _ in pairs])
        rows = [f"| {cell(source)} | {cell(reference)} | {cell(output)} |"
                for (source, reference), output in zip(pairs, translations)]
        return "\n".join(["| source | reference | translation (greedy) |", "|---|---|---|", *rows])

    return make_text
