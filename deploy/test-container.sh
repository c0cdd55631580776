#!/usr/bin/env bash
# deploy/test-container.sh tests the container image as the Containerfile
# makes it, on a machine that can build images but not run them (no
# registry to pull golang:1.26 from, cgroups that crun refuses):
#
#  1. deploy/rootfs.sh builds the root filesystem, as the build stage does;
#  2. podman builds the Containerfile's final stage, as written, from it
#     (only "--from=build /out/" becomes "out/" in the build context);
#  3. the image's files are exported and its configuration read back: the
#     user, the environment, the entrypoint, the command, the health check;
#     /data must belong to the user, and hookd version must say the version
#     given to rootfs.sh (the -X flag reached hookd.Version);
#  4. in a network namespace of its own (so that port 8080 is its own), the
#     entrypoint runs chrooted in those files as the image's user with the
#     image's environment, and the test checks that /healthz and /readyz
#     answer, that the image's health check command passes, that a trigger
#     is stored under /data by the non-root user, that hookd backup works
#     inside, and that SIGTERM stops it with status 0.
#
# Needs root, podman, unshare, ip and curl. .ci/run runs it.
set -euo pipefail
cd "$(dirname "$0")/.."

work=$(mktemp -d)
image="localhost/hookd-container-test:$$"
ctr=""
cleanup() {
	[ -n "$ctr" ] && podman rm -f "$ctr" >/dev/null 2>&1 || true
	podman rmi -f "$image" >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT
say() { echo "test-container: $*"; }
fail() { echo "test-container: FAIL: $*" >&2; exit 1; }

say "building the root filesystem (deploy/rootfs.sh)"
deploy/rootfs.sh "$work/context/out" container-test

say "building the Containerfile's final stage with podman"
sed -n '/^FROM scratch/,$p' Containerfile | sed 's| --from=build||; s| /out/| out/|' >"$work/context/Containerfile"
grep -q -- '--from' "$work/context/Containerfile" && fail "a COPY --from is left in the final stage: $(cat "$work/context/Containerfile")"
podman build -q --format docker -t "$image" -f "$work/context/Containerfile" "$work/context" >/dev/null

inspect() { podman image inspect --format "$1" "$image"; }
user=$(inspect '{{.Config.User}}')
mapfile -t env < <(inspect '{{range .Config.Env}}{{println .}}{{end}}' | grep -v '^$')
mapfile -t argv < <(inspect '{{range .Config.Entrypoint}}{{println .}}{{end}}{{range .Config.Cmd}}{{println .}}{{end}}' | grep -v '^$')
mapfile -t check < <(inspect '{{range .Config.Healthcheck.Test}}{{println .}}{{end}}' | grep -v '^$')
say "image: user ${user}, env ${env[*]}, runs ${argv[*]}, health check ${check[*]}"
[ "${user%%:*}" != 0 ] && [ "${user%%:*}" != root ] && [ -n "$user" ] || fail "the image runs as root"
[ "${check[0]}" = CMD ] || fail "the health check is not a CMD: ${check[*]}"
check=("${check[@]:1}")

say "exporting the image's files"
ctr=$(podman create "$image")
mkdir "$work/image"
podman export "$ctr" | tar -x -C "$work/image" --same-owner --numeric-owner
[ "$(stat -c %u:%g:%a "$work/image/data")" = "$user:700" ] || fail "/data is $(stat -c %u:%g:%a "$work/image/data"), want the image's user $user and mode 700"
[ -s "$work/image/etc/ssl/certs/ca-certificates.crt" ] || fail "no CA certificates in the image"
version=$(chroot --userspec="$user" "$work/image" /hookd version)
case "$version" in "hookd container-test "*) ;; *) fail "hookd version in the image says \"$version\", want the version given to rootfs.sh" ;; esac
say "$version"

key=hk_container_test_0123456789abcdefghi
ENVS=$(printf '%s\n' "${env[@]}") ARGV=$(printf '%s\n' "${argv[@]}") CHECK=$(printf '%s\n' "${check[@]}")
export work user key ENVS ARGV CHECK
export -f say fail
# Inside a fresh network namespace: only the loopback, which is ours alone.
unshare --net --fork bash -euo pipefail -c '
	ip link set lo up
	mapfile -t env <<<"$ENVS"; mapfile -t argv <<<"$ARGV"; mapfile -t check <<<"$CHECK"
	env -i "${env[@]}" HOOKD_API_KEY="$key" chroot --userspec="$user" "$work/image" "${argv[@]}" >"$work/serve.log" 2>&1 &
	pid=$!
	trap "kill -KILL $pid 2>/dev/null || true" EXIT
	for i in $(seq 1 100); do
		curl -fsS -o /dev/null http://127.0.0.1:8080/healthz 2>/dev/null && break
		kill -0 $pid 2>/dev/null || { cat "$work/serve.log"; fail "hookd exited before it served"; }
		sleep 0.1
	done
	curl -fsS http://127.0.0.1:8080/healthz >/dev/null || { cat "$work/serve.log"; fail "/healthz did not answer 200"; }
	curl -fsS http://127.0.0.1:8080/readyz >/dev/null || { cat "$work/serve.log"; fail "/readyz did not answer 200"; }
	say "/healthz and /readyz answer 200 on port 8080"
	[ "$(awk "/^Uid:/ {print \$2}" /proc/$pid/status)" = "${user%%:*}" ] || fail "hookd does not run as $user"
	say "hookd runs as uid ${user%%:*}"
	env -i "${env[@]}" chroot --userspec="$user" "$work/image" "${check[@]}" || fail "the image health check failed"
	say "the image health check passes: ${check[*]}"
	code=$(curl -sS -o "$work/trigger.json" -w "%{http_code}" -H "Authorization: Bearer $key" -H "Content-Type: application/json" \
		-d "{\"hook\":\"eventAdded\",\"data\":{\"recurringId\":1}}" http://127.0.0.1:8080/api/v1/triggers)
	[ "$code" = 202 ] || fail "POST /api/v1/triggers: $code $(cat "$work/trigger.json")"
	[ "$(stat -c %u "$work/image/data/hookd.db")" = "${user%%:*}" ] || fail "/data/hookd.db is not the user'"'"'s"
	say "a trigger is stored in /data/hookd.db, which belongs to uid ${user%%:*}"
	env -i "${env[@]}" chroot --userspec="$user" "$work/image" /hookd backup /data/backup.db || fail "hookd backup in the image"
	env -i "${env[@]}" chroot --userspec="$user" "$work/image" /hookd accounts list --db /data/backup.db | grep -q default || fail "the backup does not open"
	say "hookd backup /data/backup.db makes a copy that opens"
	kill -TERM $pid
	wait $pid || { cat "$work/serve.log"; fail "hookd did not exit 0 on SIGTERM"; }
	say "SIGTERM: exit status 0"
' _ || exit 1
say "ok"
