// Package deploy holds what runs hookd in production and the tests that
// try it: the systemd unit (hookd.service, checked by systemd-analyze), the
// container's root filesystem (rootfs.sh, used by the Containerfile at the
// repository's root) and the container check (test-container.sh, run by
// .ci/run). It has no Go code of its own.
package deploy
