// mediasoup 3.14 is written against its libsrtp "3.0-alpha" fork, which takes
// size_t* lengths and names srtp_stream_remove; Debian ships libsrtp 2.5 with
// int* lengths and srtp_remove_stream. These C++ overloads bridge the two.
// Force-included into every C++ file of the worker build (see build-worker.sh).
#pragma once
#ifdef __cplusplus
#include <srtp2/srtp.h>
#include <cstddef>

namespace plenary_srtp_compat {
template <typename Fn>
inline srtp_err_status_t WithIntLength(Fn fn, size_t* len) {
  int intLen = static_cast<int>(*len);
  const srtp_err_status_t err = fn(&intLen);
  *len = static_cast<size_t>(intLen);
  return err;
}
}  // namespace plenary_srtp_compat

inline srtp_err_status_t srtp_protect(srtp_t s, void* hdr, size_t* len) {
  return plenary_srtp_compat::WithIntLength([&](int* l) { return srtp_protect(s, hdr, l); }, len);
}
inline srtp_err_status_t srtp_unprotect(srtp_t s, void* hdr, size_t* len) {
  return plenary_srtp_compat::WithIntLength([&](int* l) { return srtp_unprotect(s, hdr, l); }, len);
}
inline srtp_err_status_t srtp_protect_rtcp(srtp_t s, void* hdr, size_t* len) {
  return plenary_srtp_compat::WithIntLength([&](int* l) { return srtp_protect_rtcp(s, hdr, l); }, len);
}
inline srtp_err_status_t srtp_unprotect_rtcp(srtp_t s, void* hdr, size_t* len) {
  return plenary_srtp_compat::WithIntLength([&](int* l) { return srtp_unprotect_rtcp(s, hdr, l); }, len);
}
inline srtp_err_status_t srtp_stream_remove(srtp_t s, uint32_t ssrc) {
  return srtp_remove_stream(s, ssrc);
}
#endif
