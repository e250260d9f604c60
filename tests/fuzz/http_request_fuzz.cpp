// libFuzzer target: HTTP/1.x request parsing (libhttp-parser + our limits), fed in pieces
// whose sizes come from the input, pipelined requests included, then the pure response
// decision and the confinement split of the decoded path. Invariants: no crash; the parser
// never consumes more than it was given; a completed request's path never yields a ".."
// component or a NUL after split_beneath; a Failed parser names a 4xx/5xx status.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/open_beneath.hpp"
#include "fuzz_check.hpp"
#include "http/file_paths.hpp"
#include "http/request_parser.hpp"
#include "http/response_plan.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace netboot;
  using namespace netboot::http;
  if (size == 0) return 0;
  const std::size_t piece = 1 + data[0] % 64;  // how the bytes arrive from the socket
  std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);
  RequestParser parser(ParserLimits{512, 2048});
  int completed = 0;
  while (!input.empty() && completed < 64) {
    const auto chunk = input.substr(0, piece);
    const auto progress = parser.feed(chunk);
    FUZZ_CHECK(progress.consumed <= chunk.size());
    if (progress.state == RequestParser::State::Failed) {
      FUZZ_CHECK(parser.error_status() >= 400 && parser.error_status() < 600);
      (void)serialize_head(plan_error(parser.error_status(), 0, parser.error_detail()));
      return 0;
    }
    if (progress.state == RequestParser::State::Complete) {
      ++completed;
      const Request& request = parser.request();
      if (const auto parts = split_beneath(request.path, kPathPolicy)) {
        for (const auto& part : *parts) {
          FUZZ_CHECK(part != ".." && part != "." && !part.empty());
          FUZZ_CHECK(part.find('\0') == std::string::npos && part.find('/') == std::string::npos);
        }
      }
      FileLookup lookup;
      lookup.outcome = FileLookup::Outcome::Found;
      lookup.info = {static_cast<std::uint64_t>(size) * 1000, 1000};
      const auto plan = plan_response(request, Access::Allowed, lookup, 2000);
      FUZZ_CHECK(!plan.send_file || plan.offset + plan.length <= lookup.info.size);
      (void)serialize_head(plan);
      parser.next();
    } else if (progress.consumed == chunk.size()) {
      // NeedMore: everything was taken.
    }
    input.remove_prefix(progress.consumed);
    if (progress.consumed == 0 && progress.state == RequestParser::State::NeedMore) break;
  }
  return 0;
}
