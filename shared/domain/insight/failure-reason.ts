/**
 * Proxmox's failure text with what differs between guests and tasks taken out (task ids,
 * quoted names, numbers such as vmids and sizes), so the same failure on many guests reads as
 * one reason: `VM 101 is locked (backup)` and `VM 204 is locked (backup)` both become
 * `VM <n> is locked (backup)`.
 */
export function failureReasonOf(text: string): string {
  return text
    .replace(/UPID:[^\s'"]*/g, '<upid>')
    .replace(/'[^']*'/g, "'<name>'")
    .replace(/"[^"]*"/g, '"<name>"')
    .replace(/\b[0-9a-f]{8,}\b/gi, '<id>')
    .replace(/\d+(\.\d+)?/g, '<n>')
    .replace(/\s+/g, ' ')
    .trim();
}
