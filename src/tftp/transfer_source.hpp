#pragma once
// What a read transfer reads from: the opened file, wrapped for the transfer mode.
// netascii converts on the fly; an octet transfer of a source that says it benefits from
// reading ahead (a local file: pread) reads the next window while the client acknowledges.
#include <memory>

#include "tftp/byte_source.hpp"
#include "tftp/read_ahead_source.hpp"
#include "tftp/tftp_packet.hpp"

namespace netboot::tftp {

struct TransferSource {
  std::shared_ptr<ByteSource> source;            // what the ReadTransfer reads
  std::shared_ptr<ReadAheadSource> read_ahead;   // the same object when reading ahead, else null
};

[[nodiscard]] TransferSource wrap_for_transfer(std::shared_ptr<ByteSource> opened, TransferMode mode);

}  // namespace netboot::tftp
