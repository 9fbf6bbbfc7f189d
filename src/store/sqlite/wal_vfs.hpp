// A SQLite VFS that writes each commit's WAL frames with one system call. SQLite writes a frame as two
// pwrites (its 24-byte header, then the page), so a commit of four pages cost eight, each paying the
// kernel's per-call and per-page work (a frame is 4,120 bytes: its page straddles two of the file's). Here
// the appends of a write transaction are gathered in memory and written together when the commit frame
// (the one whose header carries the database size) is complete: before SQLite publishes the frames in the
// WAL index, so no reader can see a frame the file does not hold yet, and before COMMIT returns, so a
// committed row is in the kernel's hands as before (SIGKILL loses nothing). Anything that is not the next
// append (a read, a sync, a truncate, an overwrite of an earlier frame, the size) writes what is gathered
// first. Files other than WALs pass straight to the default VFS.
#pragma once

namespace modelmux::store {

// The VFS's name for sqlite3_open_v2, registered on first use (not as the default).
const char* wal_coalescing_vfs();

}  // namespace modelmux::store
