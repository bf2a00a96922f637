#include "rtp/header_extension.h"

#include <cstring>

namespace imsbox::rtp {

ExtensionForm extension_form(std::uint16_t profile) {
  if (profile == one_byte_extension_profile) return ExtensionForm::one_byte;
  if ((profile & 0xfff0) == two_byte_extension_profile) return ExtensionForm::two_byte;
  return ExtensionForm::other;
}

bool HeaderExtensionReader::next(HeaderExtensionElement& element) {
  if (form_ == ExtensionForm::other || malformed_) return false;
  while (at_ < data_.size()) {
    const std::uint8_t first = data_[at_];
    if (first == 0) {  // padding, in both forms
      ++at_;
      continue;
    }
    std::size_t header = 1;
    std::size_t length = 0;
    std::uint8_t id = 0;
    if (form_ == ExtensionForm::one_byte) {
      id = first >> 4;
      if (id == 15) {  // reserved: stop processing the extension
        at_ = data_.size();
        return false;
      }
      length = (first & 0x0f) + 1u;
    } else {
      if (at_ + 2 > data_.size()) {
        malformed_ = true;
        return false;
      }
      header = 2;
      id = first;
      length = data_[at_ + 1];
    }
    if (data_.size() - at_ - header < length) {
      malformed_ = true;
      return false;
    }
    element.id = id;
    element.data = data_.subspan(at_ + header, length);
    at_ += header + length;
    return true;
  }
  return false;
}

std::optional<Bytes> find_header_extension_element(const RtpHeaderExtension& extension, std::uint8_t id) {
  HeaderExtensionReader reader(extension);
  HeaderExtensionElement e;
  while (reader.next(e)) {
    if (e.id == id) return e.data;
  }
  return std::nullopt;
}

bool HeaderExtensionWriter::add(std::uint8_t id, Bytes data) {
  std::size_t header = 0;
  if (form_ == ExtensionForm::one_byte) {
    if (id < 1 || id > 14 || data.empty() || data.size() > 16) return false;
    header = 1;
  } else if (form_ == ExtensionForm::two_byte) {
    if (id < 1 || data.size() > 255) return false;
    header = 2;
  } else {
    return false;
  }
  if (buffer_.size() - at_ < header + data.size()) return false;
  if (form_ == ExtensionForm::one_byte) {
    buffer_[at_] = static_cast<std::uint8_t>((id << 4) | (data.size() - 1));
  } else {
    buffer_[at_] = id;
    buffer_[at_ + 1] = static_cast<std::uint8_t>(data.size());
  }
  if (!data.empty()) std::memcpy(buffer_.data() + at_ + header, data.data(), data.size());
  at_ += header + data.size();
  return true;
}

std::optional<RtpHeaderExtension> HeaderExtensionWriter::finish() {
  const std::size_t padded = (at_ + 3) & ~std::size_t{3};
  if (padded > buffer_.size() || form_ == ExtensionForm::other) return std::nullopt;
  if (padded != at_) std::memset(buffer_.data() + at_, 0, padded - at_);
  const std::uint16_t profile =
      form_ == ExtensionForm::one_byte ? one_byte_extension_profile : two_byte_extension_profile;
  return RtpHeaderExtension{profile, Bytes(buffer_.data(), padded)};
}

}  // namespace imsbox::rtp
