// The wire types, generated from proto/livechat/v1/livechat.proto by protoc-gen-es (src/gen is
// built, never edited). Everything else imports them from here.
export * from "../gen/livechat/v1/livechat_pb.js";
export { create, fromBinary, toBinary } from "@bufbuild/protobuf";
export type { MessageInitShape } from "@bufbuild/protobuf";
