#!/usr/bin/env bash
# Builds Init's release tarball and Debian package from a published binary.
#   packaging/build-package.sh BINDIR
# Output in artifacts/package/:
#   init-suite_VERSION_amd64.deb       dpkg-deb; installs beside Debian's runit, never over it:
#       /usr/lib/init-suite/bin/       the binary (init) and every applet link (sv, runsv, …)
#       /usr/bin/init-suite            `init-suite APPLET …` on PATH
#       /usr/lib/init-suite/stages/    the stage hooks (copy them to /etc/init/ to boot with it)
#       /usr/share/man/man8/NAME.8init.gz   a page per applet (`man 8init sv`; `man sv` without runit)
#       /usr/share/bash-completion/completions/init-suite, /etc/bash_completion.d/init-suite
#       /usr/share/doc/init-suite/     README, migration guide, examples, copyright, changelog
#   init-suite-VERSION-linux-x64.tar.gz  the same tree under init-suite-VERSION/, with SHA256SUMS
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
bin=$(cd "${1:?usage: build-package.sh BINDIR}" && pwd)
out=$root/artifacts/package
version=$("$bin/init" runsv --version | awk '{ print $NF }')
package=init-suite
date=$(git -C "$root" log -1 --format=%cs 2>/dev/null || date +%F)
stage=$(mktemp -d /tmp/init-package.XXXXXX)
trap 'rm -rf "$stage"' EXIT
tree=$stage/$package
mkdir -p "$out"

lib=$tree/usr/lib/$package
install -d "$lib/bin" "$lib/stages" "$tree/usr/bin" "$tree/usr/share/man/man8" "$tree/usr/share/doc/$package/examples" \
    "$tree/usr/share/bash-completion/completions" "$tree/etc/bash_completion.d"
install -m 755 "$bin/init" "$lib/bin/init"
for applet in $("$bin/init" --list); do ln -s init "$lib/bin/$applet"; done
ln -s ../lib/$package/bin/init "$tree/usr/bin/$package"
install -m 755 "$root/stages/1" "$root/stages/2" "$root/stages/3" "$lib/stages/"
cp -r "$root/stages/services/." "$tree/usr/share/doc/$package/examples/"

# Man pages from docs/man (section 8, suffix "init" so that runit's pages of the same names stay);
# init-suite.8 for the command on PATH.
for page in "$root"/docs/man/*.md; do
    [ -e "$page" ] || continue
    name=$(basename "$page" .md)
    awk -v name="$name" -v section=8init -v date="$date" -v version="$version" -f "$here/md2man.awk" "$page" \
        | gzip -9n >"$tree/usr/share/man/man8/$name.8init.gz"
done
awk -v name=init-suite -v section=8 -v date="$date" -v version="$version" -f "$here/md2man.awk" "$here/init-suite.md" \
    | gzip -9n >"$tree/usr/share/man/man8/init-suite.8.gz"

install -m 644 "$here/completion.bash" "$tree/usr/share/bash-completion/completions/$package"
printf '# The applets of init-suite (sv, runsv, ...) complete by its rules too.\n. /usr/share/bash-completion/completions/%s\n' "$package" \
    >"$tree/etc/bash_completion.d/$package"
chmod 644 "$tree/etc/bash_completion.d/$package"

doc=$tree/usr/share/doc/$package
gzip -9nc "$root/README.md" >"$doc/README.md.gz"
gzip -9nc "$root/docs/migration.md" >"$doc/migration.md.gz"
install -m 644 "$here/copyright" "$doc/copyright"
printf '%s (%s) unstable; urgency=medium\n\n  * Built from %s.\n\n -- Init developers <developers@init-project.org>  %s\n' \
    "$package" "$version" "$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo source)" "$(date -R -d "$date")" \
    | gzip -9n >"$doc/changelog.gz"
find "$tree" -type d -exec chmod 755 {} +
find "$tree/usr/share" -type f -exec chmod 644 {} +

# The tarball: the same tree, with checksums.
tarball=$out/$package-$version-linux-x64.tar.gz
(cd "$tree" && find . -type f -print0 | sort -z | xargs -0 sha256sum >"$stage/SHA256SUMS")
mkdir -p "$stage/tar/$package-$version"
cp -a "$tree/." "$stage/SHA256SUMS" "$stage/tar/$package-$version/"
tar -C "$stage/tar" --owner=0 --group=0 --sort=name -czf "$tarball" "$package-$version"

# The .deb: control (the glibc the binary needs, read from its symbol versions), conffiles, md5sums.
glibc=$(objdump -T "$bin/init" | grep -o 'GLIBC_[0-9.]*' | sed 's/GLIBC_//' | sort -uV | tail -1)
install -d "$tree/DEBIAN"
cat >"$tree/DEBIAN/control" <<CONTROL
Package: $package
Version: $version
Architecture: amd64
Maintainer: Init developers <developers@init-project.org>
Installed-Size: $(du -sk --exclude=DEBIAN "$tree" | cut -f1)
Depends: libc6 (>= $glibc)
Section: admin
Priority: optional
Homepage: https://example.invalid/init
Description: PID 1 init and runit-compatible supervision suite
 One small native executable: a PID 1 for VMs and bare metal (stages 1-3),
 a container entrypoint compatible with tini and dumb-init, and the tools of
 runit (sv, runsv, runsvdir, svlogd, chpst, ...) on the same service
 directories and supervise/ files, supervising every service from one
 process, with readiness, dependencies, restart backoff, cgroups, health
 checks and metrics. Installed beside runit: the applets are in
 /usr/lib/init-suite/bin, and init-suite APPLET runs one.
CONTROL
echo "/etc/bash_completion.d/$package" >"$tree/DEBIAN/conffiles"
(cd "$tree" && find . -path ./DEBIAN -prune -o -type f -print | sed 's|^\./||' | sort | xargs md5sum >DEBIAN/md5sums)
chmod 644 "$tree/DEBIAN/control" "$tree/DEBIAN/conffiles" "$tree/DEBIAN/md5sums"
deb=$out/${package}_${version}_amd64.deb
dpkg-deb --root-owner-group -Zxz --build "$tree" "$deb" >/dev/null
echo "built $deb and $tarball (libc6 >= $glibc)"
