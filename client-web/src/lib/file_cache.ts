// The files of one conversation view as blob: URLs. GET /api/files/{id} needs the bearer token
// in a header, so an <img> cannot fetch it itself: the bytes are fetched once per file and shown
// from memory, and every URL is revoked when the view goes (revokeAll), or the memory stays
// taken until the page is closed.
import { fetchFile, type FileServer } from "./attachments.js";

export class FileCache {
  private readonly urls = new Map<string, Promise<string>>();
  private readonly made = new Set<string>();
  // Bumped by revokeAll: a fetch still under way then makes a URL nobody will revoke later.
  private generation = 0;

  constructor(private readonly srv: FileServer) {}

  /** A blob: URL of the file (fetched on the first call; a failure is not kept, so a later view
   * tries again). */
  url(id: string): Promise<string> {
    let p = this.urls.get(id);
    if (!p) {
      const gen = this.generation;
      p = fetchFile(this.srv, id).then((blob) => {
        const url = URL.createObjectURL(blob);
        if (gen === this.generation) this.made.add(url);
        else setTimeout(() => URL.revokeObjectURL(url), 0);
        return url;
      });
      p.catch(() => this.urls.delete(id));
      this.urls.set(id, p);
    }
    return p;
  }

  /** Saves the file under its name (the server is asked for it as a download). */
  async save(a: { id: string; name: string }): Promise<void> {
    const blob = await fetchFile(this.srv, a.id, true);
    const url = URL.createObjectURL(blob);
    const link = document.createElement("a");
    link.href = url;
    link.download = a.name || "file";
    link.style.display = "none";
    document.body.append(link);
    link.click();
    link.remove();
    // The browser has taken the URL once the click is handled; a moment later it can go.
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  }

  revokeAll(): void {
    this.generation++;
    for (const url of this.made) URL.revokeObjectURL(url);
    this.made.clear();
    this.urls.clear();
  }
}
