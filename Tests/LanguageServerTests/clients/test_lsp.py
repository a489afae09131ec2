"""`schedc lsp` driven by pytest-lsp with the recorded client capabilities of VS Code (no
position encodings offered: UTF-16) and Neovim 0.11 (offers UTF-8 first). pytest-lsp checks
every reply against the protocol and against what the client said it supports.

Run by run.sh (SCHEDC names the executable under test)."""

import os
import pathlib
import sys

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

ROOT = pathlib.Path(__file__).resolve().parents[3]
SCHEDC = os.environ.get("SCHEDC", str(ROOT / ".build" / "debug" / "schedc"))
CLIENTS = {"visual-studio-code@v1.65.2": "utf-16", "neovim@v0.11.0": "utf-8"}

URI = "file:///schedules/increasing_batch.sched"
# The paper's increasing-batch schedule, with `é界😀` in a comment and in the last line's
# unknown character (the diagnostic's range is counted in each client's encoding).
TEXT = """# Smith et al. 2018 — é界😀
# increasing batch size
schedule increasing_batch

data        cifar10
model       wrn(16, 4)
epochs      200
optimizer   sgd(momentum: 0.9)
lr          0.1
batch       128
max_batch   5120
ghost_batch 128
policy      increase_batch

at epoch 60, 120, 160: noise /= 5
"""


@pytest_lsp.fixture(params=list(CLIENTS), config=ClientServerConfig(server_command=[SCHEDC, "lsp"]))
async def client(request, lsp_client: LanguageClient):
    result = await lsp_client.initialize_session(
        types.InitializeParams(capabilities=client_capabilities(request.param))
    )
    lsp_client.expected_encoding = CLIENTS[request.param]
    lsp_client.initialize_result = result
    yield
    await lsp_client.shutdown_session()


async def open_document(client: LanguageClient, text: str = TEXT, uri: str = URI):
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(uri=uri, language_id="sched", version=1, text=text)
        )
    )
    await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    return client.diagnostics[uri]


def width(text: str, encoding: str) -> int:
    if encoding == "utf-8":
        return len(text.encode("utf-8"))
    if encoding == "utf-16":
        return len(text.encode("utf-16-le")) // 2
    return len(text)


@pytest.mark.asyncio
async def test_initialize_negotiates_the_encoding(client: LanguageClient):
    capabilities = client.initialize_result.capabilities
    assert capabilities.position_encoding == client.expected_encoding
    assert capabilities.hover_provider
    assert capabilities.semantic_tokens_provider.legend.token_types[0] == "keyword"


@pytest.mark.asyncio
async def test_diagnostics_with_code_links_and_encoded_ranges(client: LanguageClient):
    assert list(await open_document(client)) == []
    broken = TEXT + "seed é界😀 1\n"
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=URI, version=2),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=broken)],
        )
    )
    await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    [diagnostic] = client.diagnostics[URI]
    assert diagnostic.code == "S001"
    assert diagnostic.code_description.href.endswith("language.md#s001-unexpected-character")
    assert diagnostic.range.start == types.Position(line=15, character=5)
    assert diagnostic.range.end == types.Position(line=15, character=5 + width("é", client.expected_encoding))


@pytest.mark.asyncio
async def test_incremental_change_and_quick_fix(client: LanguageClient):
    await open_document(client)
    # Replace `lr` by `learning_rate` on line 8: S101 with a fix-it.
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=URI, version=2),
            content_changes=[
                types.TextDocumentContentChangePartial(
                    range=types.Range(start=types.Position(line=8, character=0), end=types.Position(line=8, character=2)),
                    text="learning_rate",
                )
            ],
        )
    )
    await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    [diagnostic] = client.diagnostics[URI]
    assert diagnostic.code == "S101"
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=URI),
            range=diagnostic.range,
            context=types.CodeActionContext(diagnostics=[diagnostic]),
        )
    )
    quick_fix = next(action for action in actions if action.kind == types.CodeActionKind.QuickFix)
    assert quick_fix.title == "did you mean 'lr'?"
    [edit] = quick_fix.edit.changes[URI]
    assert edit.new_text.startswith("lr")


@pytest.mark.asyncio
async def test_hover_and_inlay_hints_show_the_plan(client: LanguageClient):
    await open_document(client)
    hover = await client.text_document_hover_async(
        types.HoverParams(text_document=types.TextDocumentIdentifier(uri=URI), position=types.Position(line=14, character=30))
    )
    assert "**at epoch 60: noise /= 5** → B 128 → 640" in hover.contents.value
    assert "B capped at max_batch 5120" in hover.contents.value
    hints = await client.text_document_inlay_hint_async(
        types.InlayHintParams(
            text_document=types.TextDocumentIdentifier(uri=URI),
            range=types.Range(start=types.Position(line=0, character=0), end=types.Position(line=20, character=0)),
        )
    )
    assert [hint.label for hint in hints] == [
        "→ 29240 updates",
        "→ epoch 60: B 128 → 640; epoch 120: B 640 → 3200; epoch 160: B 3200 → 5120, ε 0.1 → 0.032",
    ]


@pytest.mark.asyncio
async def test_completion_symbols_tokens_folding_and_formatting(client: LanguageClient):
    await open_document(client, TEXT + "at epoch 5: ")
    completion = await client.text_document_completion_async(
        types.CompletionParams(text_document=types.TextDocumentIdentifier(uri=URI), position=types.Position(line=15, character=12))
    )
    assert [item.label for item in completion.items] == ["noise", "lr", "batch", "momentum"]
    symbols = await client.text_document_document_symbol_async(
        types.DocumentSymbolParams(text_document=types.TextDocumentIdentifier(uri=URI))
    )
    assert symbols[0].name == "schedule"
    tokens = await client.text_document_semantic_tokens_full_async(
        types.SemanticTokensParams(text_document=types.TextDocumentIdentifier(uri=URI))
    )
    assert len(tokens.data) % 5 == 0 and list(tokens.data[:5]) == [0, 0, width("# Smith et al. 2018 — é界😀", client.expected_encoding), 7, 0]
    folds = await client.text_document_folding_range_async(
        types.FoldingRangeParams(text_document=types.TextDocumentIdentifier(uri=URI))
    )
    assert [(fold.start_line, fold.end_line) for fold in folds] == [(0, 1)]
    messy = TEXT.replace("lr          0.1", "lr .10")
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=URI, version=2),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=messy)],
        )
    )
    await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    edits = await client.text_document_formatting_async(
        types.DocumentFormattingParams(
            text_document=types.TextDocumentIdentifier(uri=URI), options=types.FormattingOptions(tab_size=4, insert_spaces=True)
        )
    )
    [edit] = edits
    assert edit.range.start == types.Position(line=8, character=3)
    assert edit.new_text.strip() == "0.1" and TEXT.splitlines()[8] == "lr " + edit.new_text
