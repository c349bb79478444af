#!/usr/bin/env bash
# Every GAN variant against the baselines, 5 seeds, digits and PneumoniaMNIST:
# the run behind README's Results. By default groups of methods run as parallel
# processes (they share one GPU well: the small networks are bound by kernel
# launches); on a CPU pass JOBS=1 so that the groups run one after another (two
# torch processes on 2 cores slow each other down many times over). One summary
# is merged from their results at the end.
#
#   bash benchmarks/variants.sh OUT_DIR        # PYTHON=python3 to choose the interpreter
#   JOBS=1 bash benchmarks/variants.sh OUT_DIR # on a CPU
#   bash benchmarks/variants.sh --list         # what would run, without running it
#   DATASETS=pneumonia RUN_ARGS=--no-quality bash benchmarks/variants.sh OUT_DIR
#                                              # one dataset; extra arguments for every run.py
set -euo pipefail
OUT=${1:-benchmark_results/variants}
PY=${PYTHON:-python}
JOBS=${JOBS:-0}
DATASETS=${DATASETS:-pneumonia digits}
read -r -a RUN_ARGS <<< "${RUN_ARGS:-}"
cd "$(dirname "$0")/.."
DA="diff_augment=translation,cutout;ema=0.999"
VARIANTS=(
  # one option at a time
  "hinge:loss=hinge" "lsgan:loss=lsgan" "ema:ema=0.999" "ls:label_smoothing=0.1" "fm:feature_matching=1.0"
  "ttur:lr=1e-4;lr_d=4e-4" "seld:selection=discriminator" "near:selection=nearest"
  # the medical GAN papers' and the data-efficient GAN literature's combinations
  "da:$DA" "hinge-da:loss=hinge;$DA" "cond-hinge-da:conditional=true;loss=hinge;$DA"
  "lsgan-da:loss=lsgan;$DA" "wgan-gp:loss=wgan-gp;n_critic=5;lr=1e-4" "wgan:loss=wgan;n_critic=5;lr=5e-5"
  "fm-ls:feature_matching=1.0;label_smoothing=0.1" "mlp:architecture=mlp"
  "critic:selection=critic;n_candidates=4" "critic-da:$DA;selection=critic;n_candidates=4"
  "da-near:$DA;selection=nearest" "da-seld:$DA;selection=discriminator"
  "pre-da:pre_augment=2;max_epochs=20;min_steps_per_epoch=30;$DA"
  # GAN after heavier classic augmentation: 5 augmented copies per image, about the
  # default's number of steps (at least 600 on small classes)
  "pa5:pre_augment=5;max_epochs=12;min_steps_per_epoch=50" "pa5-ema:pre_augment=5;max_epochs=12;min_steps_per_epoch=50;ema=0.999"
  "resize:architecture=resize-conv" "resize-critic:architecture=resize-conv;selection=critic;n_candidates=4"
  "resize-fm-ls:architecture=resize-conv;feature_matching=1.0;label_smoothing=0.1" "w64:width=64"
  "resnet:architecture=resnet"
)
ARGS=()
for v in "${VARIANTS[@]}"; do ARGS+=(--variant "$v"); done
GROUPS_PNEUMONIA=("none class_weight random smote augment" "gan" "augment+gan" "da hinge-da" "cond-hinge-da"
                  "lsgan-da wgan-gp" "critic critic-da" "da-near da-seld pre-da" "wgan fm-ls mlp"
                  "resize" "resize-critic" "w64" "resize-fm-ls" "hinge lsgan" "ema ls fm" "ttur seld near"
                  "pa5 pa5-ema" "resnet" "half-augment half-augment+gan half-augment+random")
GROUPS_DIGITS=("none class_weight random smote augment" "gan" "augment+gan" "cond-hinge-da critic" "da"
               "resize" "hinge-da lsgan-da" "wgan-gp" "wgan fm-ls mlp" "critic-da da-near da-seld"
               "pre-da resize-critic" "resize-fm-ls w64" "hinge lsgan ema" "ls fm ttur seld near"
               "pa5 pa5-ema" "resnet" "half-augment half-augment+gan half-augment+random")
if [ "$OUT" = --list ]; then
  printf 'variant %s\n' "${VARIANTS[@]}"
  printf 'pneumonia %s\n' "${GROUPS_PNEUMONIA[@]}"
  printf 'digits %s\n' "${GROUPS_DIGITS[@]}"
  exit 0
fi
run_group() {  # NAME DATASET METHODS...
  local name=$1 dataset=$2
  shift 2
  "$PY" benchmarks/run.py "${ARGS[@]}" ${RUN_ARGS[@]+"${RUN_ARGS[@]}"} --datasets "$dataset" --methods "$@" \
    --out "$OUT/$name" > "$OUT/$name.log" 2>&1
}
launch() {  # in the background unless JOBS=1
  if [ "$JOBS" = 1 ]; then "$@"; else "$@" & fi
}
launch_dataset() {  # PREFIX DATASET GROUP...: each group of methods as run PREFIX1, PREFIX2, ...
  local prefix=$1 dataset=$2 i=0 group
  shift 2
  [[ " $DATASETS " == *" $dataset "* ]] || return 0
  for group in "$@"; do
    i=$((i + 1))
    # shellcheck disable=SC2086
    launch run_group "$prefix$i" "$dataset" $group
  done
}
mkdir -p "$OUT"
launch_dataset p pneumonia "${GROUPS_PNEUMONIA[@]}"
launch_dataset d digits "${GROUPS_DIGITS[@]}"
wait
"$PY" benchmarks/run.py --from-results "$OUT"/[pd]*/results.jsonl --out "$OUT/merged"
