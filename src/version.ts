// The osquery version osq reports (osquery_info, --version, TLS User-Agent).
// osq tracks osquery's interfaces at this release.
export const OSQUERY_VERSION = "5.20.0";
export const SDK_VERSION = "5.20.0";
