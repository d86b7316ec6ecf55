// Per-department file limits against the real server: the admin sets a department's largest
// file and its types (only the changed fields are sent; the server's refusal of a bad type list
// shows by the field), the list says what each department takes; then a chat in a department
// with no files has nothing to attach with, on either side, and one limited to PDFs of 1 MB
// refuses an image and a larger file in the browser, in the visitor's words.
import type { Request } from "playwright-core";
import { describe, expect, it } from "vitest";
import {
  adminSignIn, agentSignIn, browserSuite, joinChat, messages, openWidget, poll, screenshot,
} from "./harness.js";

const suite = browserSuite();

interface Dept { id: string; max_file_mb?: number | null; file_types?: string; hours: string }

describe("file limits per department", () => {
  it("the admin sets them; a chat there follows them", async () => {
    const s = await suite.server();
    const root = s.token("root", { name: "Root", admin: true });
    const dept = async (id: string): Promise<Dept> =>
      (JSON.parse((await s.get("/api/departments", root)).body) as { departments: Dept[] }).departments.find((d) => d.id === id)!;
    expect((await dept("billing")).max_file_mb, "GET /api/departments lists max_file_mb (null: the server's default)").toBeNull();

    const { page } = await suite.open("admin", { width: 1280, height: 900 });
    const puts: unknown[] = [];
    page.on("request", (r: Request) => {
      if (r.method() === "PUT" && r.url().includes("/api/departments/")) puts.push(r.postDataJSON());
    });
    await adminSignIn(page, s.base, root, "Departments");
    const billing = page.locator('tr[data-department="billing"]');
    await poll(() => billing.locator('[data-col="files"]').textContent()).toBe("server default");

    // Billing: no files at all. Only that field goes to the server.
    await billing.getByRole("button", { name: /Edit/ }).click();
    await expect(page.getByLabel("Largest file (MB)").inputValue()).resolves.toBe("");
    await page.getByLabel("Largest file (MB)").fill("0");
    await page.locator("#save-department").click();
    await poll(() => page.locator("dialog[open]").count()).toBe(0);
    await poll(() => billing.locator('[data-col="files"]').textContent()).toBe("no files");
    expect(puts).toEqual([{ max_file_mb: 0 }]);
    expect(await dept("billing")).toMatchObject({ max_file_mb: 0, hours: "" });

    // Tech: a bad type list is refused with the server's words by the field; then PDFs of 1 MB.
    const tech = page.locator('tr[data-department="tech"]');
    await tech.getByRole("button", { name: /Edit/ }).click();
    await page.getByLabel("File types").fill("pictures");
    await page.locator("#save-department").click();
    const typesErr = page.locator("#dept-file-types-error");
    await poll(() => typesErr.textContent()).toMatch(/file_types/);
    expect(await page.locator("dialog[open]").count()).toBe(1);
    await screenshot(page, "admin-department-file-types-error");
    await page.getByLabel("File types").fill("application/pdf");
    await page.getByLabel("Largest file (MB)").fill("1");
    await page.locator("#save-department").click();
    await poll(() => page.locator("dialog[open]").count()).toBe(0);
    await poll(() => tech.locator('[data-col="files"]').textContent()).toBe("up to 1 MB · application/pdf");
    expect(puts.slice(1)).toEqual([{ file_types: "pictures" }, { max_file_mb: 1, file_types: "application/pdf" }]);
    expect(await dept("tech")).toMatchObject({ max_file_mb: 1, file_types: "application/pdf" });
    // The form shows them again; an unchanged save sends nothing but {}.
    await tech.getByRole("button", { name: /Edit/ }).click();
    await expect(page.getByLabel("Largest file (MB)").inputValue()).resolves.toBe("1");
    await expect(page.getByLabel("File types").inputValue()).resolves.toBe("application/pdf");
    await page.locator("#save-department").click();
    await poll(() => page.locator("dialog[open]").count()).toBe(0);
    expect(puts.at(-1)).toEqual({});
    await screenshot(page, "admin-department-files");
    // The page's own log line for the provoked 400.
    for (let i = suite.errors.length - 1; i >= 0; i--) if (/status of 400/.test(suite.errors[i]!)) suite.errors.splice(i, 1);

    // A chat in billing: nothing to attach with, for the visitor or the agent.
    const a = await suite.open("agent");
    await agentSignIn(a.page, s.base, s.token("alice", { name: "Alice", departments: ["billing", "tech"] }));
    const v = await suite.open("visitor");
    await openWidget(v.page, s.base);
    await joinChat(v.page, { name: "Vera", department: "billing", question: "can I send you my invoice?" });
    const w = v.page.locator("#livechat-widget");
    await poll(() => w.locator(".root").getAttribute("data-phase")).toBe("chat");
    await a.page.locator(".chat-item").first().click();
    await poll(() => messages(a.page.locator(".log"))).toEqual(["can I send you my invoice?"]);
    expect(await w.getByRole("button", { name: "Attach a file" }).count()).toBe(0);
    expect(await a.page.getByRole("button", { name: "Attach a file" }).count()).toBe(0);

    // A chat in tech: PDFs up to 1 MB. An image and a larger PDF are refused in the browser.
    const t = await suite.open("visitor tom");
    await openWidget(t.page, s.base);
    await joinChat(t.page, { name: "Tom", department: "tech", question: "my router" });
    const tw = t.page.locator("#livechat-widget");
    await poll(() => tw.locator(".root").getAttribute("data-phase")).toBe("chat");
    const attach = tw.getByRole("button", { name: "Attach a file" });
    await poll(() => attach.count()).toBe(1);
    const pick = async (name: string, mimeType: string, size: number) => {
      const [chooser] = await Promise.all([t.page.waitForEvent("filechooser"), attach.click()]);
      await chooser.setFiles({ name, mimeType, buffer: Buffer.alloc(size, 0x25) });
    };
    await pick("photo.png", "image/png", 2000);
    await poll(() => tw.locator(".att-problem").textContent()).toBe("That type of file can't be sent");
    await pick("manual.pdf", "application/pdf", 1024 * 1024 + 1);
    await poll(() => tw.locator(".att-problem").textContent()).toBe("That file is over 1 MB");
    expect(await tw.locator(".att-chip").count()).toBe(0);
    await screenshot(t.page, "widget-department-file-limit");
    // The agent's composer in Tom's chat offers files (with tech's types).
    await a.page.locator(".chat-item", { hasText: "Tom" }).click();
    await poll(() => a.page.getByRole("button", { name: "Attach a file" }).count()).toBe(1);
    await expect(a.page.locator(".att-input").first().getAttribute("accept")).resolves.toBe("application/pdf");
  });
});
