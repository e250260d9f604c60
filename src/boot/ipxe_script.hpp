#pragma once
// The generated iPXE script (pure): a BootSpec and a machine's facts in, the script out.
//   #!ipxe
//   # netbootd: profile debian12 for 52:54:00:12:34:56
//   kernel --name kernel http://10.0.0.1/vmlinuz initrd=initrd0 console=ttyS0
//   initrd --name initrd0 http://10.0.0.1/initrd.img
//   boot kernel
// The initrd=NAME arguments let an EFI-stub kernel find its initrds in iPXE's virtual
// file system; a BIOS kernel loaded by iPXE ignores them.
#include <optional>
#include <string>
#include <string_view>

#include "boot/boot_spec.hpp"
#include "core/result.hpp"

namespace netboot::boot {

/// A value from the network made inert in an iPXE command line or URL: every byte but
/// ASCII letters, digits, '.', '_', ':' and '-' becomes %XX (so no white space, newline,
/// '$', '{', '}', '#', '/', '&', '"' or '\'), at most `kMaxValueBytes` of the input.
[[nodiscard]] std::string escape_value(std::string_view value);
inline constexpr std::size_t kMaxValueBytes = 255;

/// Expands the {variables} of a template (already checked by the configuration loader;
/// an unknown one here is an error, not a silent gap). Every value is escaped except
/// {http_base}, which netbootd builds itself.
[[nodiscard]] Result<std::string> expand_template(std::string_view text, const MachineFacts& facts);

/// A kernel or initrd value as a URL: an http(s) URL as it is, a name beneath
/// facts.http_base (percent-encoding what a URL path cannot hold).
[[nodiscard]] std::string location_url(std::string_view value, const MachineFacts& facts);

/// The script. Fails (Errc::BadValue) when a value would break the script's lines: a
/// control character, white space in a URL (a boot API answer; profiles are checked at load).
[[nodiscard]] Result<std::string> render_ipxe_script(const BootSpec& spec, const MachineFacts& facts);

/// Where a machine's script is fetched from, over HTTP ("/" + this) and TFTP:
/// "boot/52-54-00-12-34-56.ipxe" (lower case).
[[nodiscard]] std::string script_path(const MacAddress& mac);
/// The MAC of a script path ("boot/52-54-00-12-34-56.ipxe", a leading '/' allowed, any
/// case, '-' or ':'); nullopt for any other path.
[[nodiscard]] std::optional<MacAddress> script_path_mac(std::string_view path);

}  // namespace netboot::boot
