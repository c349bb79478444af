#!/usr/bin/env bash
# Every GAN variant against the baselines, 5 seeds, digits and PneumoniaMNIST:
# the run behind README's Results. Groups of methods run as parallel processes
# (they share one GPU well: the small networks are bound by kernel launches),
# then one summary is merged from their results.
#
#   bash benchmarks/variants.sh OUT_DIR        # PYTHON=python3 to choose the interpreter
set -euo pipefail
OUT=${1:-benchmark_results/variants}
PY=${PYTHON:-python}
cd "$(dirname "$0")/.."
mkdir -p "$OUT"
DA="diff_augment=translation,cutout;ema=0.999"
VARIANTS=(
  "da:$DA" "hinge-da:loss=hinge;$DA" "cond-hinge-da:conditional=true;loss=hinge;$DA"
  "lsgan-da:loss=lsgan;$DA" "wgan-gp:loss=wgan-gp;n_critic=5;lr=1e-4" "wgan:loss=wgan;n_critic=5;lr=5e-5"
  "fm-ls:feature_matching=1.0;label_smoothing=0.1" "mlp:architecture=mlp"
  "critic:selection=critic;n_candidates=4" "critic-da:$DA;selection=critic;n_candidates=4"
  "da-near:$DA;selection=nearest" "da-seld:$DA;selection=discriminator"
  "pre-da:pre_augment=2;max_epochs=20;min_steps_per_epoch=30;$DA"
  "resize:architecture=resize-conv" "resize-critic:architecture=resize-conv;selection=critic;n_candidates=4"
  "resize-fm-ls:architecture=resize-conv;feature_matching=1.0;label_smoothing=0.1" "w64:width=64"
)
ARGS=()
for v in "${VARIANTS[@]}"; do ARGS+=(--variant "$v"); done
GROUPS_PNEUMONIA=("none class_weight random smote augment" "gan" "augment+gan" "da hinge-da" "cond-hinge-da"
                  "lsgan-da wgan-gp" "critic critic-da" "da-near da-seld pre-da" "wgan fm-ls mlp"
                  "resize" "resize-critic" "w64" "resize-fm-ls")
GROUPS_DIGITS=("none class_weight random smote augment" "gan" "augment+gan" "cond-hinge-da critic" "da" "resize")
i=0
for group in "${GROUPS_PNEUMONIA[@]}"; do
  i=$((i + 1))
  # shellcheck disable=SC2086
  "$PY" benchmarks/run.py "${ARGS[@]}" --datasets pneumonia --methods $group --out "$OUT/p$i" > "$OUT/p$i.log" 2>&1 &
done
i=0
for group in "${GROUPS_DIGITS[@]}"; do
  i=$((i + 1))
  # shellcheck disable=SC2086
  "$PY" benchmarks/run.py "${ARGS[@]}" --datasets digits --methods $group --out "$OUT/d$i" > "$OUT/d$i.log" 2>&1 &
done
wait
"$PY" benchmarks/run.py --from-results "$OUT"/p*/results.jsonl "$OUT"/d*/results.jsonl --out "$OUT/merged"
