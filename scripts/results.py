#!/usr/bin/env python3
"""experiments/RESULTS.md: the oracle-task grid, its queue file and its table.

  scripts/results.py queue [--seeds 1,2,3] [--out runs/results-oracle] [--mle-steps 2500]
                           [--decodings greedy,sampled]
      prints the queue file (experiments/queues/results-oracle.json is its default output):
      per decoding of the evaluation (greedy; sampled at temperature 1), one MLE run per seed,
      then CPO per sampler x ranking x beta x seed, each CPO run starting from its seed's MLE
      checkpoint (model.path) instead of training MLE again.
  scripts/results.py table --db FILE [--name results-oracle]
      prints the Markdown table from the store's finished runs of the grid NAME (the queue
      writes NAME as each run's description).

The queue is run from the repository root with the same --out:
  cpo runs queue experiments/queues/results-oracle.json --out runs/results-oracle

Standard library only; the numbers come from the store's `evaluations` rows that the
experiments' `eval` block writes (win-rate tallies, the teacher's NLL of each model's
samples, each model's NLL on held-out teacher samples).
"""

import argparse
import json
import math
import sqlite3
import statistics
import sys

SAMPLERS = ["an", "bn", "mn", "tn", "mix"]
SAMPLER_NAMES = {"an": "AN", "bn": "BN", "mn": "MN", "tn": "TN", "mix": "MixN"}
BETAS = [0.5, 5.0]
# How the evaluation decodes: greedy continuations almost always out-score a ground truth the
# teacher sampled at temperature 1, so the greedy win rate saturates near 1; sampling at the
# ground truth's own temperature gives a model as good as the teacher a win rate of 0.5.
DECODINGS = {"greedy": 0.0, "sampled": 1.0}
ALPHAS = [0.1, 0.3, 0.5, 0.7, 0.9]  # 0 and 1 are the CPO and MLE models themselves
Z95 = 1.959963984540054


def folder_name(index, name):
    """The folder `cpo runs queue` gives run `index` (0-based) named `name`."""
    plain = "".join(c if c.isalnum() or c in "._-=" else "-" for c in name)
    return "%02d-%s" % (index + 1, plain)


def make_queue(seeds, out, mle_steps, examples, name, samplers=SAMPLERS, rankings=(False, True),
               betas=BETAS, experiment="../demo-oracle.json", extra=None,
               decodings=tuple(DECODINGS)):
    runs = []
    for decoding in decodings:
        # Greedy runs keep the names they had before the sampled half was added.
        suffix = "" if decoding == "greedy" else " " + decoding
        evaluation = {"every": 0, "examples": examples, "alphas": ALPHAS,
                      "decoding": {"temperature": DECODINGS[decoding]}}
        mle_folders = {}
        for seed in seeds:
            run_name = "mle seed=%d%s" % (seed, suffix)
            mle_folders[seed] = "%s/%s/mle/step-%08d" % (out, folder_name(len(runs), run_name),
                                                          mle_steps)
            runs.append({"name": run_name, "set": {"seed": seed, "cpo": None,
                                                   "eval": evaluation}})
        for sampler in samplers:
            for ranking in rankings:
                for beta in betas:
                    for seed in seeds:
                        runs.append({
                            "name": "cpo %s ranking=%s beta=%g seed=%d%s"
                                    % (sampler, str(ranking).lower(), beta, seed, suffix),
                            "set": {"seed": seed, "mle": None,
                                    "model": {"path": mle_folders[seed]},
                                    "cpo.sampler": sampler, "cpo.ranking": ranking,
                                    "cpo.beta": beta, "eval": evaluation}})
    # `cpo runs queue` names each run after its entry; the description marks the grid's runs.
    common = {"description": name, "mle.steps": mle_steps}
    common.update(extra or {})
    return {"experiment": experiment, "set": common, "runs": runs}


def decoding_of(experiment):
    temperature = experiment.get("eval", {}).get("decoding", {}).get("temperature", 0.0)
    return "greedy" if temperature == 0 else "sampled"


def wilson(wins, ties, losses):
    n = wins + ties + losses
    if n == 0:
        return 0.5, 0.0, 1.0
    p = (wins + 0.5 * ties) / n
    z2 = Z95 * Z95
    denominator = 1 + z2 / n
    centre = (p + z2 / (2 * n)) / denominator
    half = Z95 * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denominator
    return p, max(0.0, centre - half), min(1.0, centre + half)


class Cell:
    """One model of one configuration, pooled over its seeds."""

    def __init__(self):
        self.wins = self.ties = self.losses = 0
        self.rates = []
        self.quality = []
        self.coverage = []
        self.seeds = set()

    def add(self, seed, summary):
        self.seeds.add(seed)
        self.wins += summary["wins"]
        self.ties += summary["ties"]
        self.losses += summary["losses"]
        self.rates.append(summary["win_rate"])
        if "sample_teacher_nll" in summary:
            self.quality.append(summary["sample_teacher_nll"])
        if "heldout_nll" in summary:
            self.coverage.append(summary["heldout_nll"])

    def rate(self):
        return wilson(self.wins, self.ties, self.losses)

    def row(self):
        p, low, high = self.rate()
        spread = statistics.stdev(self.rates) if len(self.rates) > 1 else 0.0
        mean = lambda values: "%.3f" % statistics.mean(values) if values else "—"
        return ["%.3f [%.3f, %.3f]" % (p, low, high), "%.3f ± %.3f" % (
            statistics.mean(self.rates), spread), str(len(self.seeds)),
            str(self.wins + self.ties + self.losses), mean(self.quality), mean(self.coverage)]


def load(db, name):
    connection = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
    runs = {}
    for run_id, experiment in connection.execute(
            "SELECT id, experiment_json FROM runs WHERE status = 'finished' ORDER BY id"):
        experiment = json.loads(experiment)
        if experiment.get("description") == name:
            runs[run_id] = experiment
    rows = connection.execute(
        "SELECT run_id, model_label, summary FROM evaluations WHERE eval_set = 'test' "
        "ORDER BY run_id, step, id").fetchall()
    connection.close()
    final = {}  # (run, model) -> the last summary: the final evaluation's
    for run_id, label, summary in rows:
        if run_id in runs and summary:
            final[(run_id, label)] = json.loads(summary)
    return runs, final


def config_key(experiment):
    cpo = experiment.get("cpo")
    if cpo is None:
        return ("mle",)
    return (cpo["sampler"], cpo["ranking"], cpo["beta"])


def describe(key):
    if key == ("mle",):
        return ["MLE", "—", "—"]
    sampler, ranking, beta = key
    return [SAMPLER_NAMES.get(sampler, sampler), "yes" if ranking else "no", "%g" % beta]


def markdown(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def make_table(db, name):
    runs, final = load(db, name)
    judges = sorted({summary.get("judge", "?") for summary in final.values()})
    out = ["# Results: MLE and CPO on the oracle task", "",
           "Generated by `scripts/results.py table --db %s --name %s`. Judge: %s. Win rate: "
           "the model's continuation against the ground truth, (wins + ½ ties) / n, pooled "
           "over the seeds' prompts with its 95 %% Wilson interval (which ignores the spread "
           "between seeds; the next column shows it). Teacher NLL: the teacher's NLL per token "
           "of the model's own samples (temperature 1; quality). Held-out NLL: the model's NLL "
           "per token of the test prompts' ground truths (coverage)."
           % (db, name, ", ".join(judges)), ""]
    sections = 0
    for decoding in DECODINGS:
        section = [(key, summary) for key, summary in final.items()
                   if decoding_of(runs[key[0]]) == decoding]
        if section:
            out += decoding_section(decoding, section, runs)
            sections += 1
    if not sections:
        sys.exit("no finished runs of the grid '%s' with evaluations in %s" % (name, db))
    out += ["## How to reproduce", "", "From the repository root:", "", "```sh",
            "build/release/app/cpo runs queue experiments/queues/results-oracle.json \\",
            "    --out runs/results-oracle --db runs/results-oracle.sqlite",
            "scripts/results.py table --db runs/results-oracle.sqlite > experiments/RESULTS.md",
            "```", "",
            "The queue (`scripts/results.py queue`) trains MLE once per seed and decoding and "
            "starts each CPO run from its seed's MLE checkpoint; each run's `eval` block stores "
            "the numbers above (README, \"Experiment files\").", ""]
    return "\n".join(out)


DECODING_TITLES = {
    "greedy": "Greedy decoding",
    "sampled": "Sampled decoding (temperature 1, the ground truth's own)",
}


def decoding_section(decoding, final, runs):
    cells = {}   # config -> Cell of its trained model
    alphas = {}  # config -> alpha -> Cell
    for (run_id, label), summary in final:
        experiment = runs[run_id]
        key = config_key(experiment)
        seed = experiment["seed"]
        if label == ("mle" if key == ("mle",) else "cpo"):
            cells.setdefault(key, Cell()).add(seed, summary)
        if key != ("mle",):
            alpha = {"mle": 1.0, "cpo": 0.0}.get(label, summary.get("alpha"))
            if alpha is not None:
                alphas.setdefault(key, {}).setdefault(alpha, Cell()).add(seed, summary)
    order = sorted(cells, key=lambda k: (k != ("mle",), str(k)))
    header = ["model", "ranking", "β", "win rate, pooled [95 % Wilson]", "per seed (mean ± sd)",
              "seeds", "n", "teacher NLL of samples ↓", "held-out NLL ↓"]
    table = markdown(header, [describe(k) + cells[k].row() for k in order])
    out = ["## " + DECODING_TITLES[decoding], "", table, ""]
    if ("mle",) in cells:
        out += [comparison(cells), ""]
    tuned = [k for k in cells if k != ("mle",) and k in alphas]
    if tuned:
        best = max(tuned, key=lambda k: cells[k].rate()[0])
        label = " ".join(describe(best)[:1]) + ", ranking %s, β %s" % tuple(describe(best)[1:])
        curve = [["%.1f" % alpha] + alphas[best][alpha].row()
                 for alpha in sorted(alphas[best])]
        out += ["### α curve of the best CPO configuration (%s)" % label, "",
                "θ_α = α·θ_MLE + (1 − α)·θ_CPO; α 1 is the MLE model, α 0 the CPO model.", "",
                markdown(["α"] + header[3:], curve), ""]
    return out


def comparison(cells):
    """Which CPO configurations beat MLE, by their pooled intervals, in words."""
    _, mle_low, mle_high = cells[("mle",)].rate()
    above, below, overlap = [], [], []
    for key in sorted(k for k in cells if k != ("mle",)):
        _, low, high = cells[key].rate()
        name = "%s (ranking %s, β %s)" % tuple(describe(key))
        (above if low > mle_high else below if high < mle_low else overlap).append(name)
    said = lambda names: ", ".join(names) if names else "none"
    return ("Against MLE's pooled interval: above it — %s; below it — %s; overlapping it — "
            "%s." % (said(above), said(below), said(overlap)))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    queue = commands.add_parser("queue", help="print the grid's queue file")
    queue.add_argument("--seeds", default="1,2,3")
    queue.add_argument("--out", default="runs/results-oracle",
                       help="the --out the queue will run with (MLE checkpoints live there)")
    queue.add_argument("--mle-steps", type=int, default=2500)
    queue.add_argument("--examples", type=int, default=500, help="test prompts judged")
    queue.add_argument("--name", default="results-oracle")
    # A smaller grid (the table's own test runs one): which cells, and more --set values.
    queue.add_argument("--samplers", default=",".join(SAMPLERS))
    queue.add_argument("--rankings", default="false,true")
    queue.add_argument("--betas", default=",".join("%g" % b for b in BETAS))
    queue.add_argument("--experiment", default="../demo-oracle.json",
                       help="relative to the queue file, as `cpo runs queue` reads it")
    queue.add_argument("--set", action="append", default=[], metavar="KEY=JSON")
    queue.add_argument("--decodings", default=",".join(DECODINGS),
                       help="how the evaluation decodes: greedy, sampled (temperature 1)")
    table = commands.add_parser("table", help="print RESULTS.md from the store")
    table.add_argument("--db", required=True)
    table.add_argument("--name", default="results-oracle")
    args = parser.parse_args()
    if args.command == "queue":
        seeds = [int(s) for s in args.seeds.split(",")]
        extra = {}
        for assignment in args.set:
            key, _, value = assignment.partition("=")
            extra[key] = json.loads(value)
        queue = make_queue(seeds, args.out, args.mle_steps, args.examples, args.name,
                           args.samplers.split(","),
                           [r == "true" for r in args.rankings.split(",")],
                           [float(b) for b in args.betas.split(",")], args.experiment, extra,
                           args.decodings.split(","))
        runs = ",\n".join("  " + json.dumps(run, ensure_ascii=False) for run in queue["runs"])
        print("// Generated by scripts/results.py queue (its --help says how to run it).\n"
              '{\n "experiment": %s,\n "set": %s,\n "runs": [\n%s\n ]\n}'
              % (json.dumps(queue["experiment"]), json.dumps(queue["set"]), runs))
    else:
        print(make_table(args.db, args.name))


if __name__ == "__main__":
    main()
