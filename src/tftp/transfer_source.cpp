#include "tftp/transfer_source.hpp"

#include "tftp/netascii_source.hpp"

namespace netboot::tftp {

TransferSource wrap_for_transfer(std::shared_ptr<ByteSource> opened, TransferMode mode) {
  if (mode == TransferMode::Netascii) return {std::make_shared<NetasciiSource>(std::move(opened)), nullptr};
  if (!opened->benefits_from_read_ahead()) return {std::move(opened), nullptr};
  auto read_ahead = std::make_shared<ReadAheadSource>(std::move(opened));
  return {read_ahead, read_ahead};
}

}  // namespace netboot::tftp
