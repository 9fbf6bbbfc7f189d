// Incremental Server-Sent Events parser that survives what real providers send: comment lines, CRLF or CR
// line ends, multi-line data, events split across reads at any byte, and a stream without a final newline.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace modelmux::wire {

struct SseEvent {
  std::string event;  // empty means "message"
  std::string data;   // data lines joined with '\n'
  std::string id;
};

class SseParser {
 public:
  explicit SseParser(std::size_t max_event_bytes = 16u << 20) : max_event_bytes_(max_event_bytes) {}

  // Calls on_event(const SseEvent&) for each complete event. Returns false when an event grew over the
  // limit; the parser is then unusable.
  template <class OnEvent>
  bool feed(std::string_view bytes, OnEvent&& on_event) {
    std::size_t i = 0;
    if (pending_cr_ && !bytes.empty() && bytes[0] == '\n') i = 1;  // the LF of a CRLF split across reads
    pending_cr_ = false;
    while (i < bytes.size()) {
      std::size_t j = bytes.find_first_of("\r\n", i);
      if (j == std::string_view::npos) {
        line_.append(bytes.substr(i));
        if (line_.size() + cur_.data.size() > max_event_bytes_) return false;
        return true;
      }
      line_.append(bytes.substr(i, j - i));
      if (bytes[j] == '\r') {
        if (j + 1 < bytes.size()) {
          if (bytes[j + 1] == '\n') ++j;
        } else {
          pending_cr_ = true;
        }
      }
      i = j + 1;
      if (line_.empty()) {
        dispatch(on_event);
      } else {
        process_line();
        line_.clear();
      }
      if (cur_.data.size() > max_event_bytes_) return false;
    }
    return true;
  }

  // End of stream: a last line without its newline still counts, and so does a last event without the
  // blank line that should end it.
  template <class OnEvent>
  void finish(OnEvent&& on_event) {
    if (!line_.empty()) {
      process_line();
      line_.clear();
    }
    dispatch(on_event);
  }

 private:
  template <class OnEvent>
  void dispatch(OnEvent& on_event) {
    if (has_data_) on_event(static_cast<const SseEvent&>(cur_));
    cur_.event.clear();
    cur_.data.clear();
    has_data_ = false;
  }
  void process_line();

  std::string line_;
  SseEvent cur_;
  bool has_data_ = false;
  bool pending_cr_ = false;
  std::size_t max_event_bytes_;
};

}  // namespace modelmux::wire
