#include "sip/transport/layer_impl.h"

namespace imsbox::sip::transport_detail {

Connection::Connection(std::shared_ptr<TransportLayer::Impl> layer, Peer peer, bool inbound)
    : layer_(std::move(layer)), peer_(std::move(peer)), inbound_(inbound) {}

Connection::~Connection() {
  // Only when the io_context went away with our handlers still queued:
  // close() was never called. The sockets close with the subclass.
  if (open_) layer_->unregister_connection(*this);
}

bool Connection::send(std::string bytes, TransportLayer::SendCallback done, bool is_message) {
  if (!open_) {
    return layer_->fail(done, peer_.transport, SendFailure::closed, "connection closed", peer_.connection);
  }
  if (queued_bytes_ + bytes.size() > layer_->config.max_write_queue_bytes) {
    layer_->log.warning("dropping " + to_string(peer_) + ": write queue full (" + std::to_string(queued_bytes_) +
                        " bytes waiting, peer not reading)");
    layer_->fail(done, peer_.transport, SendFailure::write_queue_full, "write queue full", peer_.connection);
    close("write queue full", SendFailure::write_queue_full);
    return false;
  }
  queued_bytes_ += bytes.size();
  queue_.push_back(Pending{std::move(bytes), std::move(done), is_message});
  if (ready_ && !writing_) write_next();
  return true;
}

void Connection::write_next() {
  if (!open_ || queue_.empty()) {
    writing_ = false;
    return;
  }
  writing_ = true;
  in_flight_ = std::move(queue_.front());
  queue_.pop_front();
  write(in_flight_->bytes);
}

void Connection::on_write_done(const boost::system::error_code& ec) {
  if (!open_) return;  // close() has already reported the message
  if (ec) {
    close("write failed: " + ec.message(), SendFailure::write_error);
    return;
  }
  Pending done = std::move(*in_flight_);
  in_flight_.reset();
  queued_bytes_ -= done.bytes.size();
  if (done.is_message) layer_->metrics.sent(peer_.transport).inc();
  layer_->complete(std::move(done.done), SendResult{true, peer_.connection, {}});
  touch();
  write_next();
}

void Connection::ready() {
  ready_ = true;
  layer_->log.debug(to_string(peer_) + (inbound_ ? " accepted" : " connected"));
  if (!writing_) write_next();
}

void Connection::deliver(std::string bytes, Framing framing) { layer_->deliver(std::move(bytes), framing, peer_); }

void Connection::closed_by_peer(std::string_view why, bool mid_message) {
  if (mid_message) {
    layer_->metrics.dropped(peer_.transport, DropReason::truncated).inc();
    layer_->log.debug(to_string(peer_) + " ended in the middle of a message");
  }
  close(why);
}

void Connection::close(std::string_view why, SendFailure queued) {
  if (!open_) return;
  open_ = false;
  writing_ = false;
  shutdown_transport();
  layer_->unregister_connection(*this);
  const std::string error = "connection closed: " + std::string(why);
  if (in_flight_ && in_flight_->done) {
    // the bytes stay in in_flight_ until the write handler has run
    layer_->fail(in_flight_->done, peer_.transport, queued, error, peer_.connection);
  }
  for (auto& p : queue_) layer_->fail(p.done, peer_.transport, queued, error, peer_.connection);
  queue_.clear();
  queued_bytes_ = 0;
  layer_->log.debug(to_string(peer_) + " closed: " + std::string(why));
  if (ready_) layer_->notify_closed(peer_);
}

}  // namespace imsbox::sip::transport_detail
