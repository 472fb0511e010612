#!/usr/bin/env bash
# The few-label protocol of STUDY.md ("the app's defaults"), through `attune run` only:
# a supervised base on the folder's labeled source, then each adaptation preset from that base
# with its defaults (SSL stages shortened to fit a CPU), and scratch from random weights.
#
#   bash bench/fewlabel/run-presets.sh FOLDER SEED [PRESET ...]
#
# FOLDER comes from bench/fewlabel/export-fashion.ts. Default presets: scratch base hpt uft daft p2x;
# also hpt-bn, blog, linear-probe, imagenet-ft (from the base) and hpt-source (from random weights).
# Results go to FOLDER/proj-SEED (a project: `attune compare` shows them beside the pixels-logreg
# floor) and one line per preset to FOLDER/results.tsv: preset, seed, test accuracy, log loss, floor.
set -euo pipefail
folder=$(cd "$1" && pwd); seed=$2; shift 2
[ $# -gt 0 ] && presets=("$@") || presets=(scratch base hpt uft daft p2x)
ssl_steps=${SSL_STEPS:-300}
base_steps=${BASE_STEPS:-300}
proj="$folder/proj-$seed"
here=$(cd "$(dirname "$0")/../.." && pwd)
attune() { node "$here/bin/attune.mjs" "$@"; }
data="data: { labeled: $folder/labeled, unlabeled: $folder/unlabeled, source: $folder/source, test: $folder/test, size: 32 }"

# runs one recipe (text on stdin) and appends its result line
run_recipe() {
  local preset=$1 file="$folder/recipe-$1-$seed.yaml"
  cat >"$file"
  local out
  out=$(attune run "$file" --project "$proj" --json | tail -1)
  node -e '
    const [preset, seed, tsv] = process.argv.slice(1);
    const r = JSON.parse(require("fs").readFileSync(0, "utf8")).runs[0];
    const line = [preset, seed, (r.result.plain.accuracy * 100).toFixed(1), r.result.plain.loss.toFixed(3), (r.result.floor.accuracy * 100).toFixed(1), r.id].join("\t");
    require("fs").appendFileSync(tsv, line + "\n");
    console.log(line);
  ' "$preset" "$seed" "$folder/results.tsv" <<<"$out"
}

# the newest base of the project, or BASE_WEIGHTS (a base.safetensors of the same seed elsewhere)
base_weights() {
  [ -n "${BASE_WEIGHTS:-}" ] && { echo "$BASE_WEIGHTS"; return; }
  ls -t "$proj"/runs/*/base.safetensors 2>/dev/null | head -1
}

for p in "${presets[@]}"; do
  case $p in
    scratch) printf 'name: scratch\nrecipe: scratch\nbackbone: { arch: small-resnet, weights: null }\n%s\nseeds: [%s]\n' "$data" "$seed" | run_recipe scratch ;;
    base) printf 'name: base\nrecipe: base\nbackbone: { arch: small-resnet, weights: null }\n%s\nseeds: [%s]\nstages: { base: { steps: %s } }\n' "$data" "$seed" "$base_steps" | run_recipe base ;;
    hpt-source) printf 'name: hpt-source\nrecipe: hpt-source\nbackbone: { arch: small-resnet, weights: null }\n%s\nseeds: [%s]\nbatchSize: 32\nstages: { source: { steps: %s }, pretrain: { steps: %s } }\n' "$data" "$seed" "$ssl_steps" "$ssl_steps" | run_recipe hpt-source ;;
    hpt|uft|p2x|hpt-bn|blog|daft|linear-probe|imagenet-ft)
      w=$(base_weights); [ -n "$w" ] || { echo "run the base preset for seed $seed first" >&2; exit 2; }
      # SSL presets: the pretrain stage shortened, at batch 32; daft, linear-probe and imagenet-ft
      # start from the base directly (it stands in for ImageNet weights)
      extra=''
      case $p in daft|linear-probe|imagenet-ft) ;; *) extra=$(printf 'batchSize: 32\nstages: { pretrain: { steps: %s } }' "$ssl_steps") ;; esac
      printf 'name: %s\nrecipe: %s\nbackbone: { arch: small-resnet, weights: %s }\n%s\nseeds: [%s]\n%s\n' "$p" "$p" "$w" "$data" "$seed" "$extra" | run_recipe "$p" ;;
    *) echo "unknown preset $p" >&2; exit 2 ;;
  esac
done
