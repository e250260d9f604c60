#pragma once
// HTTP's rules for percent-decoded request paths beneath [httpd] root; the confinement itself
// is core/open_beneath.
#include "core/open_beneath.hpp"

namespace netboot::http {

/// - '\' is refused: a Windows client or a Samba export would read it as a separator, and
///   "..\" as traversal;
/// - "name/" asks for a directory, and what is not a regular file is 404: no listings;
/// - no length limit beyond the request parser's and the kernel's;
/// - an upload's temporary name (a TFTP upload in progress, or a crash's leftover) is 404.
inline constexpr PathPolicy kPathPolicy{
    .backslash_separates = false,
    .trailing_separator_names_directory = true,
    .not_a_file = Errc::NotFound,
    .max_length = 0,
    .upload_temp_name = Errc::NotFound,
};

}  // namespace netboot::http
