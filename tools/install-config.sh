#!/bin/sh
# install-config.sh SOURCE DEST - meson install script: installs SOURCE as DEST
# (under $DESTDIR, mode 0644) unless DEST exists, so a configuration someone
# has edited is never overwritten by `meson install`.
set -eu
src=$1
dest=${DESTDIR:-}$2
[ -z "${MESON_INSTALL_DRY_RUN:-}" ] || exit 0
if [ -e "$dest" ]; then
	echo "install-config: keeping $dest (the shipped one is in the examples directory)"
	exit 0
fi
mkdir -p "$(dirname "$dest")"
install -m 0644 "$src" "$dest"
echo "Installing $src to $dest"
