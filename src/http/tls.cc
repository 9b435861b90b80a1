// TLS for the server: a context with TLS 1.2 or later, loaded from PEM files.
#include "http/server_core_internal.h"

namespace lakeshare::http::internal {

Result<std::unique_ptr<net::ssl::context>> MakeServerTlsContext(const std::string& cert_file,
                                                                const std::string& key_file) {
  if (cert_file.empty() || key_file.empty()) {
    return InvalidArgument("TLS needs both a certificate file and a key file");
  }
  auto ssl = std::make_unique<net::ssl::context>(net::ssl::context::tls_server);
  beast::error_code ec;
  ssl->set_options(net::ssl::context::default_workarounds | net::ssl::context::no_sslv2 |
                       net::ssl::context::no_sslv3 | net::ssl::context::no_tlsv1 |
                       net::ssl::context::no_tlsv1_1 | net::ssl::context::single_dh_use,
                   ec);
  ssl->use_certificate_chain_file(cert_file, ec);
  if (ec) {
    return InvalidArgument("Cannot load TLS certificate '{}': {}", cert_file, ec.message());
  }
  ssl->use_private_key_file(key_file, net::ssl::context::pem, ec);
  if (ec) {
    return InvalidArgument("Cannot load TLS key '{}': {}", key_file, ec.message());
  }
  return ssl;
}

}  // namespace lakeshare::http::internal
