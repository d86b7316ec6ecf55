import { describe, expect, it } from "vitest";
import { accountProblems, auditDetail, changes, createBody, type AccountForm } from "../../src/admin/model.js";

const form: AccountForm = { id: "ada", email: "ada@example.org", display_name: "Ada", role: "agent", departments: ["billing"], capacity: 3, enabled: true, password: "correct horse" };
const account = { id: "ada", email: "ada@example.org", display_name: "Ada", role: "agent", departments: ["billing"], capacity: 3, enabled: true };

describe("admin accounts", () => {
  it("checks a new account", () => {
    expect(accountProblems(form, true)).toEqual([]);
    expect(accountProblems({ ...form, id: "Ada!", password: "short", departments: [] }, true)).toHaveLength(3);
    expect(accountProblems({ ...form, role: "admin", departments: [], capacity: 0 }, true)).toEqual([]);
    expect(accountProblems({ ...form, password: "" }, false)).toEqual([]);
  });
  it("creates with every field; edits send only the changes", () => {
    expect(createBody(form)).toMatchObject({ id: "ada", password: "correct horse", departments: ["billing"] });
    expect(changes(account, { ...form, password: "" })).toEqual({});
    expect(changes(account, { ...form, password: "", role: "supervisor", departments: ["billing", "tech"], enabled: false })).toEqual({
      role: "supervisor", departments: ["billing", "tech"], enabled: false,
    });
    expect(changes(account, { ...form, password: "new password" })).toEqual({ password: "new password" });
  });
  it("audit details read as one line", () => {
    expect(auditDetail({ role: "supervisor", departments: ["a", "b"], capacity: 4 })).toBe("role: supervisor · departments: a, b · capacity: 4");
    expect(auditDetail(undefined)).toBe("");
  });
});
