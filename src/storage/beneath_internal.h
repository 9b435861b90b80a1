// Opening files beneath a directory without ever leaving it: the containment primitive of the
// local store (local_object_store.h). A path is resolved component by component below a
// directory descriptor and NO symbolic link is followed, neither out of the directory nor inside
// it; ".." never appears (callers pass paths checked by ValidateObjectPath).
//
// Two resolvers give the same answers:
//  - kOpenat2: openat2(2) with RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS
//    (Linux >= 5.6): the kernel refuses every escape in one call.
//  - kWalk: openat(2) of one component at a time with O_NOFOLLOW (and O_DIRECTORY for the
//    directories on the way), for kernels and sandboxes without openat2.
// kAuto picks openat2 when a probe at first use finds it working. Thread-safe.
#pragma once

#include <string_view>

namespace lakeshare::storage::internal {

enum class BeneathResolver { kAuto, kOpenat2, kWalk };

/// True when openat2(2) works in this process (probed once).
bool Openat2Available();

/// kAuto resolved to what this process uses.
BeneathResolver EffectiveResolver(BeneathResolver resolver);

/// Open `path` (a relative path of one or more non-empty components without "." or "..") beneath
/// the directory `dir_fd` with open(2) `flags` (O_CLOEXEC and O_NOFOLLOW are added). A symbolic
/// link on the way fails with ELOOP or ENOTDIR, except that a final symlink opened with O_PATH
/// yields a descriptor of the link itself (callers check the file type). Returns the descriptor,
/// or -errno.
int OpenBeneath(int dir_fd, std::string_view path, int flags, BeneathResolver resolver);

}  // namespace lakeshare::storage::internal
