#!/usr/bin/env bash
# The checks of the Bazel rules (bazel/neff.bzl, docs/bazel.md) that need
# Bazel itself, so they run after the suite in tools/test.sh, each counted as
# one test:
#
#   reproducible        the examples' NEFFs, compile reports and embedded
#                       sources are byte-identical when built from two clean
#                       output bases in two checkout paths, with different
#                       TMPDIRs and --jobs 1 and 2; the NEFF compile and embed
#                       actions are forced to run in both builds (never served
#                       from a cache; the execution logs are checked). Then
#                       neuron-cc run by hand from two directories with
#                       different TMPDIRs gives identical bytes too.
#   shared-cache        a real HTTP cache: Debian's nginx with WebDAV PUT on
#                       127.0.0.1, configured here in a temporary directory.
#                       //examples/... is built with --remote_cache from a clean
#                       output base, then from a second clean output base in a
#                       second checkout path: the second build must execute no
#                       action at all and give identical NEFF bytes. The
#                       server is stopped at the end.
#   compile-error       a model that cannot compile (dynamic input, no pin)
#                       fails the build with neuron-cc's one-line message
#                       under the target's label, not a Starlark trace.
#   external-workspace  builds and tests examples/external_workspace, a
#                       separate workspace that uses this one through
#                       local_repository.
#
#   tools/build_rules_test.sh                 all three
#   tools/build_rules_test.sh shared-cache    one of them
#
# Every build uses its own temporary output base (shut down and deleted at
# the end) and leaves this checkout's bazel-* links alone. C++ actions are
# shared through Bazel's disk cache (NEURON_BAZEL_DISK_CACHE, default
# ~/.cache/neuron-compiler/bazel-disk-cache), which tools/test.sh fills
# during the suite, so the compiler is not rebuilt for each output base. The
# nginx server serves that same directory (it maps Bazel's HTTP paths
# /cas/HASH and /ac/HASH onto the disk cache's cas/HA/HASH layout), so its
# first build starts warm for the tools; to make that build compile a NEFF
# nobody has cached, both checkouts get a probe model whose flags carry a
# fresh seed.
#
# BUILD_RULES_KEEP=1 keeps the temporary checkouts, build logs and
# execution logs (their directory is printed at the end).
#
# Prints `build-rules: <check>: PASSED ...` or `... FAILED ...` per check,
# then `build-rules: N passed, M failed`. Exits non-zero on any failure.
set -uo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)

cache=${NEURON_BAZEL_DISK_CACHE:-$HOME/.cache/neuron-compiler/bazel-disk-cache}
mkdir -p "$cache"
work=$(mktemp -d /tmp/neuron-build-rules.XXXXXX)
output_bases=()
nginx_pid=""

cleanup() {
  if [[ -n "$nginx_pid" ]]; then
    kill "$nginx_pid" 2>/dev/null
    wait "$nginx_pid" 2>/dev/null
  fi
  for ob in "${output_bases[@]}"; do
    bazel --output_base="$ob" shutdown >/dev/null 2>&1
  done
  if [[ -n "${BUILD_RULES_KEEP:-}" ]]; then
    echo "build-rules: kept the checkouts, logs and execution logs in $work"
    return
  fi
  chmod -R u+w "$work" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

# bz OUTPUT_BASE DIR TMPDIR ARGS...: bazel in DIR with its own output base.
bz() {
  local ob=$1 dir=$2 tmp=$3
  shift 3
  [[ " ${output_bases[*]} " == *" $ob "* ]] || output_bases+=("$ob")
  mkdir -p "$tmp"
  (cd "$dir" && TMPDIR="$tmp" bazel --output_base="$ob" --max_idle_secs=120 "$@")
}

# A second checkout path: the files git knows (tracked or not ignored).
copy_checkout() {
  local dest=$1
  mkdir -p "$dest"
  (cd "$repo" && git ls-files -z --cached --others --exclude-standard |
    tar --null --ignore-failed-read -T - -cf - 2>/dev/null) | tar -C "$dest" -xf -
}

common=(--config=ci --symlink_prefix=/ --noshow_progress)
rules_files=(classifier.neff classifier.report.json encoder.neff encoder.report.json
  classifier_neff.h classifier_neff_embed.cc classifier_neff_embed.S)

# sums BIN: the digests of the examples' rule outputs, one line per file.
sums() {
  (cd "$1/examples/models" && sha256sum "${rules_files[@]}")
}

check_reproducible() {
  local a="$work/checkout-a" b="$work/checkout-b"
  copy_checkout "$a"
  copy_checkout "$b"
  local targets=(//examples/models:classifier //examples/models:encoder
    //examples/models:classifier_neff)
  local forced=(--disk_cache="$cache" --modify_execution_info=NeffCompile=+no-cache,NeffEmbed=+no-cache)
  local i dir jobs
  for i in 1 2; do
    dir=$a jobs=1
    [[ $i == 2 ]] && dir=$b jobs=2
    if ! bz "$work/ob-repro-$i" "$dir" "$work/tmp-$i" build "${common[@]}" "${forced[@]}" \
      --jobs=$jobs --execution_log_json_file="$work/repro-$i.json" "${targets[@]}" \
      >"$work/repro-$i.log" 2>&1; then
      tail -20 "$work/repro-$i.log"
      echo "build $i (--jobs $jobs) failed"
      return 1
    fi
    local ran
    ran=$(/usr/bin/python3 tools/execution_log.py "$work/repro-$i.json" --executed NeffCompile)
    if [[ "$ran" != 2 ]]; then
      echo "build $i ran $ran NeffCompile actions, not 2: the NEFFs were not compiled afresh"
      return 1
    fi
    bin[$i]=$(bz "$work/ob-repro-$i" "$dir" "$work/tmp-$i" info "${common[@]}" bazel-bin 2>/dev/null)
  done
  if ! diff <(sums "${bin[1]}") <(sums "${bin[2]}"); then
    echo "the rule outputs differ between the two builds (above)"
    return 1
  fi
  # neuron-cc by hand (the binary the rule ran, built for the exec
  # configuration): two directories, two TMPDIRs, the same relative paths.
  local d neuron_cc
  neuron_cc=$(ls "${bin[1]%/*/bin}"/*-exec-*/bin/tools/neuron_cc/neuron-cc 2>/dev/null | head -1)
  if [[ ! -x "$neuron_cc" ]]; then
    echo "no exec-configuration neuron-cc next to ${bin[1]}"
    return 1
  fi
  for d in x y; do
    mkdir -p "$work/hand-$d/tmp"
    cp examples/models/encoder.pt "$work/hand-$d/"
    if ! (cd "$work/hand-$d" && TMPDIR="$work/hand-$d/tmp" "$neuron_cc" \
      compile encoder.pt --framework PYTORCH --input-shape features=1,16,64 --auto-cast matmult \
      -o encoder.neff --report encoder.report.json --quiet); then
      echo "neuron-cc failed in $work/hand-$d"
      return 1
    fi
  done
  if ! cmp "$work/hand-x/encoder.neff" "$work/hand-y/encoder.neff" ||
    ! cmp "$work/hand-x/encoder.report.json" "$work/hand-y/encoder.report.json"; then
    echo "neuron-cc by hand gave different bytes in two directories"
    return 1
  fi
  echo "$(sums "${bin[1]}" | wc -l) rule outputs identical across 2 clean output bases," \
    "2 checkout paths, 2 TMPDIRs, --jobs 1 and 2 (NEFF actions run in both; build 1:" \
    "$(/usr/bin/python3 tools/execution_log.py "$work/repro-1.json"); build 2:" \
    "$(/usr/bin/python3 tools/execution_log.py "$work/repro-2.json"));" \
    "neuron-cc by hand identical in 2 directories"
}

start_nginx() {
  local dir="$work/nginx" port
  mkdir -p "$dir"
  for port in $(shuf -i 20000-60000 -n 20); do
    cat >"$dir/nginx.conf" <<EOF
daemon off;
worker_processes 1;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
$( ((EUID == 0)) && echo "user root root;")
events { worker_connections 256; }
http {
  access_log $dir/access.log;
  client_body_temp_path $dir/body;
  proxy_temp_path $dir/proxy;
  fastcgi_temp_path $dir/fastcgi;
  uwsgi_temp_path $dir/uwsgi;
  scgi_temp_path $dir/scgi;
  server {
    listen 127.0.0.1:$port;
    root $cache;
    client_max_body_size 0;
    # Bazel's HTTP cache protocol: GET and PUT of /ac/HASH and /cas/HASH.
    location ~ "^/(ac|cas)/([0-9a-f]{2})([0-9a-f]{62})\$" {
      rewrite "^/(ac|cas)/([0-9a-f]{2})([0-9a-f]{62})\$" /\$1/\$2/\$2\$3 break;
      dav_methods PUT;
      create_full_put_path on;
      dav_access user:rw group:r all:r;
    }
    location / { return 404; }
  }
}
EOF
    /usr/sbin/nginx -c "$dir/nginx.conf" -e "$dir/error.log" &
    nginx_pid=$!
    local tries
    for tries in $(seq 50); do
      if curl -s -o /dev/null "http://127.0.0.1:$port/"; then
        nginx_port=$port
        return 0
      fi
      kill -0 "$nginx_pid" 2>/dev/null || break
      sleep 0.1
    done
    kill "$nginx_pid" 2>/dev/null
    wait "$nginx_pid" 2>/dev/null
    nginx_pid=""
  done
  cat "$dir/error.log"
  return 1
}

check_shared_cache() {
  if [[ ! -x /usr/sbin/nginx ]]; then
    echo "nginx is not installed (tools/setup.sh installs it)"
    return 1
  fi
  if ! start_nginx; then
    echo "nginx did not start on 127.0.0.1"
    return 1
  fi
  local seed i dir
  seed=$(( ($(date +%s%N) / 1000 + RANDOM) % 2000000000 ))
  for i in 1 2; do
    dir="$work/cache-checkout-$i"
    copy_checkout "$dir"
    mkdir -p "$dir/examples/cache_probe"
    cat >"$dir/examples/cache_probe/BUILD.bazel" <<EOF
# Written by tools/build_rules_test.sh: a compile nobody has cached yet.
load("//bazel:neff.bzl", "neff_model")

neff_model(
    name = "probe",
    src = "//examples/models:classifier.onnx",
    extra_args = ["--accuracy-seed", "$seed"],
)
EOF
  done
  local remote=(--remote_cache="http://127.0.0.1:$nginx_port" --remote_timeout=60)
  local seconds=()
  for i in 1 2; do
    local t0=$SECONDS
    if ! bz "$work/ob-cache-$i" "$work/cache-checkout-$i" "$work/tmp-cache-$i" build "${common[@]}" \
      "${remote[@]}" --execution_log_json_file="$work/cache-$i.json" //examples/... \
      >"$work/cache-$i.log" 2>&1; then
      tail -20 "$work/cache-$i.log"
      echo "build $i with the shared cache failed"
      return 1
    fi
    seconds[$i]=$((SECONDS - t0))
    summary[$i]=$(/usr/bin/python3 tools/execution_log.py "$work/cache-$i.json")
    bin[$i]=$(bz "$work/ob-cache-$i" "$work/cache-checkout-$i" "$work/tmp-cache-$i" info \
      "${common[@]}" bazel-bin 2>/dev/null)
  done
  local first_compiles
  first_compiles=$(/usr/bin/python3 tools/execution_log.py "$work/cache-1.json" --executed NeffCompile)
  if [[ "$first_compiles" == 0 ]]; then
    echo "the first build compiled no NEFF (the probe should have missed the cache): ${summary[1]}"
    return 1
  fi
  if [[ "${summary[2]}" != "0 actions executed,"* ]]; then
    echo "the second build executed actions: ${summary[2]}"
    return 1
  fi
  if ! diff <(sums "${bin[1]}") <(sums "${bin[2]}") ||
    ! cmp "${bin[1]}/examples/cache_probe/probe.neff" "${bin[2]}/examples/cache_probe/probe.neff"; then
    echo "the NEFFs differ between the two builds"
    return 1
  fi
  local puts gets
  puts=$(grep -c '"PUT ' "$work/nginx/access.log")
  gets=$(grep -c '"GET [^"]*" 200 ' "$work/nginx/access.log")
  echo "build 1 (clean output base): ${summary[1]}, ${seconds[1]} s;" \
    "build 2 (clean output base, another checkout path): ${summary[2]}, ${seconds[2]} s;" \
    "nginx served $gets GETs and stored $puts PUTs; NEFFs identical"
}

check_compile_error() {
  # The reproducibility check's first checkout and output base when it ran
  # (a warm server), else new ones.
  local dir="$work/checkout-a" ob="$work/ob-repro-1"
  [[ -d "$dir" ]] || copy_checkout "$dir"
  mkdir -p "$dir/examples/broken"
  cp testdata/models/dynamic_batch.onnx "$dir/examples/broken/"
  printf '%s\n' 'load("//bazel:neff.bzl", "neff_model")' '' \
    'neff_model(name = "dynamic", src = "dynamic_batch.onnx")' \
    >"$dir/examples/broken/BUILD.bazel"
  if bz "$ob" "$dir" "$work/tmp-1" build "${common[@]}" --disk_cache="$cache" \
    //examples/broken:dynamic >"$work/error.log" 2>&1; then
    echo "a model with an unpinned dynamic input compiled"
    return 1
  fi
  local want=("Compiling //examples/broken:dynamic to a NEFF with neuron-cc failed: (Exit 2)"
    "neuron-cc: error: ")
  local w
  for w in "${want[@]}"; do
    if ! grep -qF "$w" "$work/error.log"; then
      cat "$work/error.log"
      echo "the build's error does not say: $w"
      return 1
    fi
  done
  if grep -q 'Traceback\|\.bzl:[0-9]' "$work/error.log"; then
    cat "$work/error.log"
    echo "the build's error shows a Starlark trace"
    return 1
  fi
  echo "the build failed with: $(grep -F 'neuron-cc: error: ' "$work/error.log" | head -1)"
}

check_external_workspace() {
  local t0=$SECONDS
  if ! bz "$work/ob-external" "$repo/examples/external_workspace" "$work/tmp-external" test \
    --symlink_prefix=/ --noshow_progress --disk_cache="$cache" --keep_going --color=no \
    --curses=no //... >"$work/external.log" 2>&1; then
    tail -30 "$work/external.log"
    echo "examples/external_workspace failed to build or test"
    return 1
  fi
  echo "built and tested //... of examples/external_workspace in $((SECONDS - t0)) s" \
    "($(grep -c ' PASSED in ' "$work/external.log") tests passed)"
}

checks=("$@")
if ((${#checks[@]} == 0)); then
  checks=(reproducible shared-cache compile-error external-workspace)
fi
passed=0
failed=0
for check in "${checks[@]}"; do
  case "$check" in
    reproducible) fn=check_reproducible ;;
    shared-cache) fn=check_shared_cache ;;
    compile-error) fn=check_compile_error ;;
    external-workspace) fn=check_external_workspace ;;
    *)
      echo "build-rules: unknown check '$check'" \
        "(reproducible, shared-cache, compile-error, external-workspace)"
      exit 1
      ;;
  esac
  t0=$SECONDS
  # Not in a subshell: the output bases and the server it starts must reach
  # the cleanup.
  if $fn >"$work/$check.out" 2>&1; then
    passed=$((passed + 1))
    echo "build-rules: $check: PASSED in $((SECONDS - t0)) s: $(tail -1 "$work/$check.out")"
  else
    failed=$((failed + 1))
    sed 's/^/  /' "$work/$check.out"
    echo "build-rules: $check: FAILED in $((SECONDS - t0)) s"
  fi
done
echo "build-rules: $passed passed, $failed failed"
((failed == 0))
