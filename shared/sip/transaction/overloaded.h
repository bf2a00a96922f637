#pragma once
// The std::visit helper: one lambda per alternative. Internal to this folder.
namespace imsbox::sip::transaction::detail {

template <class... F>
struct Overloaded : F... {
  using F::operator()...;
};

}  // namespace imsbox::sip::transaction::detail
