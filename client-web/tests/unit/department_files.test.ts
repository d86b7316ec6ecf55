// Per-department file limits: the admin form's max_file_mb and file_types (empty = the server's
// default, 0 MB = no files; a new department leaves the defaults out, an edit sends only what
// changed), the list's Files column, the server's 400 shown by its field; and the widget's and
// the console's policy for a conversation's department (its DepartmentStatus, else the Welcome's),
// the department a conversation is in after transfers.
import { describe, expect, it } from "vitest";
import { departmentFilePolicy, FILES_PROTOCOL } from "../../src/lib/attachments.js";
import { departmentOf } from "../../src/lib/conversation.js";
import {
  departmentBody, departmentChanges, departmentForm, fieldOfMessage, fileLimitText, normalizeTypes, type Department,
} from "../../src/lib/departments.js";
import { EventKind, WelcomeSchema, create } from "../../src/lib/proto.js";

const billing: Department = {
  id: "billing", display_name: "Billing", language: "", time_zone: "UTC", hours: "", holidays: "", closed: false, opens_at_ms: 0,
  reassign_after_seconds: null, required_tag: false, waiting_target_seconds: 120, idle_prompt_after_seconds: 0,
  idle_close_after_seconds: 0, auto_away_seconds: 600, max_file_mb: null, file_types: "",
};

describe("department file limits: the admin form", () => {
  it("shows the server's default as empty fields, 0 and a size as numbers", () => {
    expect(departmentForm(billing)).toMatchObject({ max_file_mb: "", file_types: "" });
    expect(departmentForm({ ...billing, max_file_mb: 0 })).toMatchObject({ max_file_mb: "0" });
    expect(departmentForm({ ...billing, max_file_mb: 25, file_types: "image/*,application/pdf" })).toMatchObject({ max_file_mb: "25", file_types: "image/*,application/pdf" });
    // A server without per-department limits lists neither.
    const { max_file_mb: _m, file_types: _t, ...old } = billing;
    expect(departmentForm(old)).toMatchObject({ max_file_mb: "", file_types: "" });
  });

  it("a new department sends them only when set", () => {
    const f = { ...departmentForm(), id: "returns", display_name: "Returns" };
    const plain = departmentBody(f).body!;
    expect(plain).not.toHaveProperty("max_file_mb");
    expect(plain).not.toHaveProperty("file_types");
    expect(departmentBody({ ...f, max_file_mb: "0" }).body).toMatchObject({ max_file_mb: 0 });
    expect(departmentBody({ ...f, max_file_mb: " 12 ", file_types: " Image/* , application/pdf, " }).body).toMatchObject({ max_file_mb: 12, file_types: "image/*,application/pdf" });
  });

  it("checks the size: a whole number of MB from 0 to 4096", () => {
    const f = departmentForm(billing);
    expect(departmentBody({ ...f, max_file_mb: "4096" }).body?.["max_file_mb"]).toBe(4096);
    expect(departmentBody({ ...f, max_file_mb: "4097" }).errors).toEqual({ max_file_mb: "MB: a number from 0 to 4096" });
    expect(departmentBody({ ...f, max_file_mb: "-1" }).errors).toEqual({ max_file_mb: "MB: a number from 0 to 4096" });
    expect(departmentBody({ ...f, max_file_mb: "2.5" }).errors).toEqual({ max_file_mb: "MB: a whole number from 0 to 4096" });
    expect(departmentBody({ ...f, max_file_mb: "ten" }).body).toBeUndefined();
    // The types are the server's to judge.
    expect(departmentBody({ ...f, file_types: "images" }).body?.["file_types"]).toBe("images");
    expect(normalizeTypes(" a/b ,, C/D ")).toBe("a/b,c/d");
  });

  it("an edit sends only the fields that changed", () => {
    const f = departmentForm(billing);
    expect(departmentChanges(billing, f).body).toEqual({});
    expect(departmentChanges(billing, { ...f, max_file_mb: "5" }).body).toEqual({ max_file_mb: 5 });
    expect(departmentChanges(billing, { ...f, max_file_mb: "0", file_types: "image/png" }).body).toEqual({ max_file_mb: 0, file_types: "image/png" });
    const limited = { ...billing, max_file_mb: 5, file_types: "image/*" };
    // Back to the server's default: null and "", said explicitly.
    expect(departmentChanges(limited, { ...departmentForm(limited), max_file_mb: "", file_types: "" }).body).toEqual({ max_file_mb: null, file_types: "" });
    // Writing the same types another way is no change.
    expect(departmentChanges(limited, { ...departmentForm(limited), file_types: " IMAGE/* " }).body).toEqual({});
    // The other fields too.
    expect(departmentChanges(billing, { ...f, hours: "mon-fri 09:00-17:00", idle_prompt_minutes: "2" }).body).toEqual({ hours: "mon-fri 09:00-17:00", idle_prompt_after_seconds: 120 });
    expect(departmentChanges(billing, { ...f, auto_away_seconds: "0" }).body).toEqual({ auto_away_seconds: 0 });
    expect(departmentChanges(billing, { ...f, max_file_mb: "9999" }).errors).toEqual({ max_file_mb: "MB: a number from 0 to 4096" });
    // A department saved before its file fields existed: untouched, they are not sent.
    const { max_file_mb: _m, file_types: _t, ...old } = billing;
    expect(departmentChanges(old, departmentForm(old)).body).toEqual({});
  });

  it("the server's refusal lands by its field", () => {
    expect(fieldOfMessage("'max_file_mb': 0..4096 (0: no files), or null for the server's --max-file-mb")).toBe("max_file_mb");
    expect(fieldOfMessage("'file_types': media types such as \"image/*,application/pdf\", or \"\" for the server's")).toBe("file_types");
  });

  it("the list says what a department takes", () => {
    expect(fileLimitText(billing)).toBe("server default");
    expect(fileLimitText({ max_file_mb: 0, file_types: "image/*" })).toBe("no files");
    expect(fileLimitText({ max_file_mb: 5, file_types: "" })).toBe("up to 5 MB · server's types");
    expect(fileLimitText({ max_file_mb: null, file_types: "image/*,application/pdf" })).toBe("server's size · image/*, application/pdf");
    expect(fileLimitText({})).toBe("");
  });
});

describe("department file limits: in a conversation", () => {
  const welcome = create(WelcomeSchema, {
    protocolVersion: 8,
    maxFileBytes: 10n * 1024n * 1024n,
    fileTypes: ["image/*", "application/pdf"],
    departmentStatus: [
      { department: "billing", maxFileBytes: 2n * 1024n * 1024n, fileTypes: ["application/pdf"] },
      { department: "tech", maxFileBytes: 10n * 1024n * 1024n, fileTypes: ["image/*", "application/pdf"] },
      { department: "sales", maxFileBytes: 0n, fileTypes: [] },
    ],
  });

  it("takes the department's own limit and types; 0 there means no files", () => {
    expect(departmentFilePolicy(welcome, "billing")).toEqual({ maxBytes: 2 * 1024 * 1024, types: ["application/pdf"] });
    expect(departmentFilePolicy(welcome, "tech")).toEqual({ maxBytes: 10 * 1024 * 1024, types: ["image/*", "application/pdf"] });
    expect(departmentFilePolicy(welcome, "sales")).toBeUndefined();
  });

  it("falls back to the Welcome's for a department it does not list", () => {
    expect(departmentFilePolicy(welcome, "returns")).toEqual({ maxBytes: 10 * 1024 * 1024, types: ["image/*", "application/pdf"] });
    expect(departmentFilePolicy(welcome, "")).toEqual({ maxBytes: 10 * 1024 * 1024, types: ["image/*", "application/pdf"] });
    expect(departmentFilePolicy({ ...welcome, maxFileBytes: 0n }, "returns")).toBeUndefined();
    expect(departmentFilePolicy(undefined, "billing")).toBeUndefined();
  });

  it("before protocol 7 a department status has no file fields: the Welcome's count", () => {
    expect(FILES_PROTOCOL).toBe(7);
    const old = create(WelcomeSchema, { protocolVersion: 6, maxFileBytes: welcome.maxFileBytes, fileTypes: welcome.fileTypes, departmentStatus: [{ department: "billing" }] });
    expect(departmentFilePolicy(old, "billing")).toEqual({ maxBytes: 10 * 1024 * 1024, types: ["image/*", "application/pdf"] });
  });

  it("the conversation's department is the last one it was moved to", () => {
    const item = (kind: EventKind, department = "") => ({ kind, department });
    expect(departmentOf([], "billing")).toBe("billing");
    expect(departmentOf([item(EventKind.JOINED, "billing"), item(EventKind.MESSAGE)], "x")).toBe("billing");
    expect(departmentOf([item(EventKind.JOINED, "billing"), item(EventKind.TRANSFERRED, "tech"), item(EventKind.ASSIGNED)], "billing")).toBe("tech");
    // A transfer to an agent names no department: it stays.
    expect(departmentOf([item(EventKind.JOINED, "billing"), item(EventKind.TRANSFERRED)], "")).toBe("billing");
    expect(departmentOf([item(EventKind.JOINED, "billing"), item(EventKind.REQUEUED, "sales")], "")).toBe("sales");
  });
});
