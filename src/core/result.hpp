#pragma once
// A minimal expected<T, Error>: wire input never throws, it returns a Result.
// (g++ 12 in C++20 mode has no std::expected; the surface matches it so a later
// move is mechanical.)
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace netboot {

enum class Errc : std::uint8_t { Truncated, BadLength, BadValue, Unsupported, NotFound, AccessDenied, Io, Busy };

std::string_view to_string(Errc code) noexcept;

struct Error {
  Errc code;
  std::string detail;  // human-readable, for logs
};

struct Unexpected {
  Error error;
};

inline Unexpected fail(Errc code, std::string detail = {}) { return Unexpected{Error{code, std::move(detail)}}; }

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit like expected
  Result(Unexpected failure) : state_(std::in_place_index<1>, std::move(failure.error)) {}  // NOLINT

  [[nodiscard]] bool has_value() const noexcept { return state_.index() == 0; }
  explicit operator bool() const noexcept { return has_value(); }
  T& value() & { return std::get<0>(state_); }
  const T& value() const& { return std::get<0>(state_); }
  T&& value() && { return std::get<0>(std::move(state_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  [[nodiscard]] const Error& error() const { return std::get<1>(state_); }

 private:
  std::variant<T, Error> state_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Unexpected failure) : error_(std::move(failure.error)), ok_(false) {}  // NOLINT
  [[nodiscard]] bool has_value() const noexcept { return ok_; }
  explicit operator bool() const noexcept { return ok_; }
  [[nodiscard]] const Error& error() const { return error_; }

 private:
  Error error_{Errc::Io, {}};
  bool ok_ = true;
};

}  // namespace netboot
