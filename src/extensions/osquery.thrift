// osquery's extension API (INTERFACES §9), written for osq from the contract.
// The wire form is Thrift's binary protocol over an unframed (buffered)
// transport on a Unix socket. osq's own codec (codec.ts, protocol.ts) speaks
// it; tests generate a Python peer from this file with Debian's thrift-compiler.

namespace py osquery.extensions

// Request and response of a registry call: one flat string map in, a list of
// flat string maps (rows) out.
typedef map<string, string> ExtensionPluginRequest
typedef list<map<string, string>> ExtensionPluginResponse

struct InternalOptionInfo {
  1: string value,
  2: string default_value,
  3: string type,
}

typedef map<string, InternalOptionInfo> InternalOptionList

struct InternalExtensionInfo {
  1: string name,
  2: string version,
  3: string sdk_version,
  4: string min_sdk_version,
}

// The manager hands out uint16 values; the wire type is i64.
typedef i64 ExtensionRouteUUID

// registry name -> plugin name -> the plugin's route (for a table: its columns).
typedef map<string, ExtensionPluginResponse> ExtensionRouteTable
typedef map<string, ExtensionRouteTable> ExtensionRegistry
typedef map<ExtensionRouteUUID, InternalExtensionInfo> InternalExtensionList

enum ExtensionCode {
  EXT_SUCCESS = 0,
  EXT_FAILED = 1,
  EXT_FATAL = 2,
}

struct ExtensionStatus {
  1: i32 code,
  2: string message,
  3: ExtensionRouteUUID uuid,
}

struct ExtensionResponse {
  1: ExtensionStatus status,
  2: ExtensionPluginResponse response,
}

exception ExtensionException {
  1: i32 code,
  2: string message,
  3: ExtensionRouteUUID uuid,
}

// What every extension serves on <extensions_socket>.<uuid>.
service Extension {
  ExtensionStatus ping(),
  ExtensionResponse call(1: string registry, 2: string item, 3: ExtensionPluginRequest request),
  void shutdown(),
}

// What core serves on --extensions_socket.
service ExtensionManager extends Extension {
  InternalExtensionList extensions(),
  InternalOptionList options(),
  ExtensionStatus registerExtension(1: InternalExtensionInfo info, 2: ExtensionRegistry registry),
  ExtensionStatus deregisterExtension(1: ExtensionRouteUUID uuid),
  ExtensionResponse query(1: string sql),
  ExtensionResponse getQueryColumns(1: string sql),
}
