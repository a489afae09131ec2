-- A user at a keyboard, headless: Neovim 0.11 opens a schedule with `schedc lsp`, breaks a
-- line, waits for vim.diagnostic, hovers an event, applies the quick fix, formats, and exits
-- non-zero on any mismatch.
--   SCHEDC=.build/debug/schedc nvim --headless --clean -u NONE -l neovim.lua FILE.sched

local file, schedc = arg[1], os.getenv("SCHEDC")

local function fail(message)
  io.stderr:write("neovim: " .. message .. "\n")
  os.exit(1)
end

local function expect(condition, message)
  if not condition then fail(message) end
end

local function wait(what, condition)
  expect(vim.wait(15000, condition, 20), "timed out waiting for " .. what)
end

local function find_line(pattern)
  for index, line in ipairs(vim.api.nvim_buf_get_lines(0, 0, -1, false)) do
    if line:find(pattern) then return index - 1 end
  end
  fail("no line matches " .. pattern)
end

-- *.sched detection, as docs/editors.md sets it up.
vim.filetype.add({ extension = { sched = "sched" } })
vim.cmd.edit(vim.fn.fnameescape(file))
expect(vim.bo.filetype == "sched", "filetype is '" .. vim.bo.filetype .. "'")
local original = vim.api.nvim_buf_get_lines(0, 0, -1, false)

local client_id = vim.lsp.start({ name = "schedc", cmd = { schedc, "lsp" }, root_dir = vim.fs.dirname(file) })
expect(client_id, "the client did not start")
local client = vim.lsp.get_client_by_id(client_id)
wait("initialize", function() return client.initialized end)
expect(client.offset_encoding == "utf-8", "negotiated " .. tostring(client.offset_encoding) .. ", not utf-8")

-- Break a line: `lr 0.1` becomes `learning_rate 0.1` (S101, with a fix-it).
local lr = find_line("^lr ")
vim.api.nvim_buf_set_lines(0, lr, lr + 1, false, { "learning_rate 0.1" })
local function codes()
  local found = {}
  for _, diagnostic in ipairs(vim.diagnostic.get(0)) do table.insert(found, diagnostic.code) end
  return found
end
wait("diagnostic S101", function() return vim.deep_equal(codes(), { "S101" }) end)
local diagnostic = vim.diagnostic.get(0)[1]
expect(diagnostic.lnum == lr and diagnostic.col == 0 and diagnostic.end_col == #"learning_rate",
  "S101 at " .. diagnostic.lnum .. ":" .. diagnostic.col .. "-" .. diagnostic.end_col)

-- Hover the event: the plan from before the break, marked stale (the file has an error now).
local event = find_line("^at epoch")
local results = vim.lsp.buf_request_sync(0, "textDocument/hover",
  { textDocument = { uri = vim.uri_from_bufnr(0) }, position = { line = event, character = 3 } }, 10000)
local hover = results and results[client_id] and results[client_id].result
expect(hover, "no hover on the event")
local text = hover.contents.value
expect(text:find("B 128 → 640", 1, true), "hover lacks 'B 128 → 640': " .. text)
expect(text:find("capped at max_batch", 1, true), "hover lacks the cap: " .. text)
expect(text:find("stale", 1, true), "hover is not marked stale: " .. text)

-- Apply the quick fix.
local params = {
  textDocument = { uri = vim.uri_from_bufnr(0) },
  range = { start = { line = lr, character = 0 }, ["end"] = { line = lr, character = 0 } },
  context = { diagnostics = vim.lsp.diagnostic.from(vim.diagnostic.get(0)), only = { "quickfix" } },
}
results = vim.lsp.buf_request_sync(0, "textDocument/codeAction", params, 10000)
local actions = results and results[client_id] and results[client_id].result or {}
expect(#actions == 1 and actions[1].title == "did you mean 'lr'?", "quick fixes: " .. vim.inspect(actions))
vim.lsp.util.apply_workspace_edit(actions[1].edit, client.offset_encoding)
wait("the diagnostics to clear", function() return #vim.diagnostic.get(0) == 0 end)

-- Unformat a line, then format the document: back to the sample (which is in canonical style).
local batch = find_line("^batch ")
vim.api.nvim_buf_set_lines(0, batch, batch + 1, false, { "batch   128" })
vim.lsp.buf.format({ bufnr = 0, async = false, timeout_ms = 10000 })
local formatted = vim.api.nvim_buf_get_lines(0, 0, -1, false)
expect(vim.deep_equal(formatted, original), "after the fix and formatting:\n" .. table.concat(formatted, "\n"))

client:stop()
wait("the server to stop", function() return client:is_stopped() end)
os.exit(0)
