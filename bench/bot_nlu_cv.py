"""NLU cross-validation: intent accuracy and macro-F1, as written and without diacritics.

Five stratified folds over ``data/nlu``, near-duplicates kept together (see below). For
each fold the pipeline of ``bot/config.yml`` is trained on four fifths and tested on the
rest three ways:

* ``as written``: train and test on the examples as they are;
* ``test accentless``: the same model, held-out examples stripped of diacritics (citizens
  who type without accents, against a model trained as written);
* ``accentless copy``: train and test on a copy of the data stripped of diacritics.

An example predicted as ``nlu_fallback`` counts as wrong; the fallback rate is reported too.

Near-duplicates stay in one fold (``near_duplicate_groups``): an example and its close
rewording ("bạn có biết nấu ăn không" / "ban co biet nau an ko") split across folds would
let the model be tested on what it was trained on. Without the grouping, the 308 examples
with a near-duplicate in another fold scored 0.974 against 0.911 for the rest.

Usage (from the project root):
    .venv/bin/python -m bench.bot_nlu_cv [--folds 5] [--epochs N] [--only-folds K]
        [--as-written-only]

``--epochs`` overrides the DIET epochs of the config, ``--only-folds`` runs the first K folds
of the split and ``--as-written-only`` skips the accentless copy: quick checks while tuning,
never the reported figures.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import tempfile
import time
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from bench.output import write_figures
from knowledge.config import PROJECT_ROOT
from knowledge.text import fold_accents

CONFIG = PROJECT_ROOT / "bot" / "config.yml"
DOMAIN = PROJECT_ROOT / "bot" / "domain"
NLU_DIR = PROJECT_ROOT / "data" / "nlu"
FALLBACK = "nlu_fallback"

Example = tuple[str, str]  # (text, intent)
NEAR_DUPLICATE = 0.85  # cosine of character n-grams above which two examples are one


def load_examples(nlu_dir: Path = NLU_DIR) -> list[Example]:
    """Every (text, intent) of the NLU training data."""
    from rasa.shared.nlu.training_data.loading import load_data

    data = load_data(str(nlu_dir))
    return [(m.get("text"), m.get("intent")) for m in data.intent_examples]


def strip_accents(examples: Sequence[Example]) -> list[Example]:
    """The examples with every diacritic removed ("lệ phí" → "le phi")."""
    return [(fold_accents(text), intent) for text, intent in examples]


def write_nlu(examples: Sequence[Example], path: Path) -> None:
    """Write ``examples`` as a Rasa YAML NLU file."""
    from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLWriter
    from rasa.shared.nlu.training_data.message import Message
    from rasa.shared.nlu.training_data.training_data import TrainingData

    messages = [Message(data={"text": text, "intent": intent}) for text, intent in examples]
    RasaYAMLWriter().dump(path, TrainingData(messages))


def train(examples: Sequence[Example], folder: Path, config: Path) -> str:
    """Train the NLU pipeline of ``config`` on ``examples``; return the model path."""
    from rasa.model_training import train_nlu

    nlu_file = folder / "nlu.yml"
    write_nlu(examples, nlu_file)
    model = train_nlu(
        config=str(config),
        nlu_data=str(nlu_file),
        output=str(folder / "models"),
        domain=str(DOMAIN),
        fixed_model_name="nlu",
    )
    if not model:
        raise RuntimeError("NLU training failed")
    return model


Ranking = list[tuple[str, float]]


def predict(model_path: str, texts: Sequence[str]) -> list[tuple[str, Ranking]]:
    """The intent given to each text (``nlu_fallback`` included) and the two best intents.

    The two best intents and their confidences come from the classifier's ranking, before
    the fallback: what the fallback decided on.
    """
    from rasa.core.agent import Agent

    agent = Agent.load(model_path)

    async def parse_all() -> list[tuple[str, Ranking]]:
        results = []
        for text in texts:
            parsed = await agent.parse_message(text)
            ranking = [
                (item["name"], round(float(item["confidence"]), 3))
                for item in parsed.get("intent_ranking", [])
                if item["name"] != FALLBACK
            ][:2]
            results.append((parsed["intent"]["name"], ranking))
        return results

    return asyncio.run(parse_all())


def scores(gold: Sequence[str], predicted: Sequence[str], best: Sequence[str]) -> dict[str, object]:
    """Accuracy, macro-F1 over the gold intents, the share of fallbacks, F1 per intent.

    ``best`` is the classifier's best intent before the fallback: ``best_intent_accuracy``
    tells the classifier's quality apart from the fallback thresholds' cost.
    ``aspect_accuracy`` is the accuracy on the questions about a procedure (``ask_*``).
    """
    from sklearn.metrics import f1_score

    labels = sorted(set(gold))
    n = len(gold) or 1
    pairs = list(zip(gold, predicted, strict=True))
    aspects = [(g, p) for g, p in pairs if g.startswith("ask_")]
    per_intent = f1_score(gold, predicted, labels=labels, average=None)
    return {
        "accuracy": round(sum(g == p for g, p in pairs) / n, 4),
        "macro_f1": round(float(f1_score(gold, predicted, labels=labels, average="macro")), 4),
        "fallback_rate": round(sum(p == FALLBACK for p in predicted) / n, 4),
        "best_intent_accuracy": round(sum(g == b for g, b in zip(gold, best, strict=True)) / n, 4),
        "aspect_accuracy": round(sum(g == p for g, p in aspects) / (len(aspects) or 1), 4),
        "f1_per_intent": {
            label: round(float(f), 3) for label, f in zip(labels, per_intent, strict=True)
        },
    }


def config_with_epochs(config: Path, epochs: int, folder: Path) -> Path:
    """A copy of ``config`` in ``folder`` whose DIETClassifier trains for ``epochs``."""
    import yaml

    data = yaml.safe_load(config.read_text(encoding="utf-8"))
    for component in data["pipeline"]:
        if component["name"] == "DIETClassifier":
            component["epochs"] = epochs
    copy = folder / "config.yml"
    copy.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return copy


def near_duplicate_groups(texts: Sequence[str], threshold: float = NEAR_DUPLICATE) -> list[int]:
    """A group number per text; texts linked by near-duplicates share one.

    Two texts are near-duplicates when their accent-folded character 3–5-grams (TF-IDF,
    within words) have a cosine above ``threshold``; groups are the connected components.
    """
    from scipy.sparse.csgraph import connected_components
    from sklearn.feature_extraction.text import TfidfVectorizer

    folded = [fold_accents(text).lower() for text in texts]
    vectors = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5)).fit_transform(folded)
    similar = vectors @ vectors.T
    similar.data = (similar.data > threshold).astype("int8")
    similar.eliminate_zeros()
    _, groups = connected_components(similar, directed=False)
    return groups.tolist()


def cross_validate(
    examples: Sequence[Example],
    folds: int,
    config: Path,
    seed: int = 42,
    only_folds: int | None = None,
    accentless_copy: bool = True,
) -> dict[str, object]:
    """Run the k-fold cross-validation; return pooled scores per setting and timings.

    ``only_folds`` stops after that many folds; ``accentless_copy=False`` skips the model
    trained on the stripped copy (both for quick checks only).
    """
    from sklearn.model_selection import StratifiedGroupKFold

    settings: tuple[str, ...] = ("as written", "test accentless", "accentless copy")
    if not accentless_copy:
        settings = settings[:2]
    gold: dict[str, list[str]] = {s: [] for s in settings}
    predicted: dict[str, list[str]] = {s: [] for s in settings}
    rankings: dict[str, list[Ranking]] = {s: [] for s in settings}
    confusions: dict[str, int] = {}
    errors: list[dict[str, object]] = []
    train_seconds: list[float] = []
    splitter = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=seed)
    intents = [intent for _, intent in examples]
    groups = near_duplicate_groups([text for text, _ in examples])
    split = splitter.split(examples, intents, groups)
    for fold, (train_idx, test_idx) in enumerate(split, start=1):
        if only_folds is not None and fold > only_folds:
            break
        train_set = [examples[i] for i in train_idx]
        test_set = [examples[i] for i in test_idx]
        for name, train_examples, test_sets in (
            (
                "as written",
                train_set,
                {"as written": test_set, "test accentless": strip_accents(test_set)},
            ),
            (
                "accentless copy",
                strip_accents(train_set),
                {"accentless copy": strip_accents(test_set)},
            ),
        ):
            if name not in settings:
                continue
            with tempfile.TemporaryDirectory() as folder:
                started = time.perf_counter()
                model = train(train_examples, Path(folder), config)
                train_seconds.append(time.perf_counter() - started)
                for setting, tests in test_sets.items():
                    parsed = predict(model, [text for text, _ in tests])
                    guesses = [guess for guess, _ in parsed]
                    gold[setting] += [intent for _, intent in tests]
                    predicted[setting] += guesses
                    rankings[setting] += [ranking for _, ranking in parsed]
                    for (text, intent), (guess, ranking) in zip(tests, parsed, strict=True):
                        if guess != intent:
                            key = f"{intent} -> {guess}"
                            confusions[key] = confusions.get(key, 0) + 1
                            errors.append(
                                {
                                    "setting": setting,
                                    "text": text,
                                    "gold": intent,
                                    "predicted": guess,
                                    "ranking": ranking,
                                }
                            )
            print(f"fold {fold}/{folds} {name}: trained in {train_seconds[-1]:.0f} s", flush=True)
    return {
        "results": {
            s: scores(gold[s], predicted[s], [r[0][0] if r else FALLBACK for r in rankings[s]])
            for s in settings
        },
        "train_seconds_mean": round(sum(train_seconds) / len(train_seconds), 1),
        "top_confusions": dict(sorted(confusions.items(), key=lambda kv: -kv[1])[:15]),
        "errors": errors,
        # per setting, in test order: gold intent and the classifier's two best intents
        "rankings": {
            s: [[g, *r] for g, r in zip(gold[s], rankings[s], strict=True)] for s in settings
        },
    }


def main(argv: Sequence[str] | None = None) -> None:
    """Run the cross-validation, print the figures, write bench/results/bot-nlu-cv-<date>.json."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--config", type=Path, default=CONFIG)
    parser.add_argument("--data", type=Path, default=NLU_DIR, help="the NLU training data")
    parser.add_argument("--epochs", type=int, help="override the DIET epochs (quick checks)")
    parser.add_argument("--only-folds", type=int, help="run only the first K folds (quick checks)")
    parser.add_argument(
        "--as-written-only", action="store_true", help="skip the accentless copy (quick checks)"
    )
    parser.add_argument("--output", type=Path, help="the JSON file to write (default: dated)")
    args = parser.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ.setdefault("LOG_LEVEL", "WARNING")  # Rasa: no progress bar per epoch and fold
    from rasa.utils.log_utils import configure_structlog

    logging.basicConfig(level=logging.WARNING)
    configure_structlog(logging.WARNING)  # Rasa logs every parsed message at debug level
    for noisy in ("rasa", "tensorflow", "absl"):
        logging.getLogger(noisy).setLevel(logging.ERROR)

    examples = load_examples(args.data)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as scratch:
        config = args.config
        if args.epochs:
            config = config_with_epochs(args.config, args.epochs, Path(scratch))
        figures = cross_validate(
            examples,
            args.folds,
            config,
            only_folds=args.only_folds,
            accentless_copy=not args.as_written_only,
        )
    quick = bool(args.epochs or args.only_folds or args.as_written_only)
    figures = {
        "date": date.today().isoformat(),
        "examples": len(examples),
        "intents": len({intent for _, intent in examples}),
        "folds": args.folds,
        "only_folds": args.only_folds,
        "epochs_override": args.epochs,
        "config": str(args.config.relative_to(PROJECT_ROOT))
        if args.config.is_relative_to(PROJECT_ROOT)
        else str(args.config),
        **figures,
        "seconds": round(time.perf_counter() - started),
    }
    print(f"\nNLU {args.folds}-fold cross-validation, {len(examples)} examples")
    print(f"{'setting':<18}{'accuracy':>10}{'macro-F1':>10}{'fallback':>10}{'best intent':>13}")
    for setting, row in figures["results"].items():  # type: ignore[union-attr]
        print(
            f"{setting:<18}{row['accuracy']:>10.3f}{row['macro_f1']:>10.3f}"
            f"{row['fallback_rate']:>10.3f}{row['best_intent_accuracy']:>13.3f}"
        )
    print(f"mean training time per fold: {figures['train_seconds_mean']} s")
    print("most frequent confusions:")
    for pair, count in list(figures["top_confusions"].items())[:10]:  # type: ignore[union-attr]
        print(f"  {count:>4}  {pair}")
    suffix = "-quick" if quick else ""
    write_figures("bot-nlu-cv", figures, suffix=suffix, path=args.output)


if __name__ == "__main__":
    main()
