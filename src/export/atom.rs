//! Atom (RFC 4287): the newest events of the view, newest first (by first day); each
//! entry's id is the event's URL. The feed's `updated` is the latest change among its
//! entries, so it is written with the first (and only) page of entries.

use super::text::xml;
use super::{Document, ExportEvent, FormatWriter, Written};

/// Writes Atom; the feed element waits for the entries (see the module note).
#[derive(Default)]
pub struct AtomWriter {
    started: bool,
}

impl AtomWriter {
    fn start(&mut self, text: &mut String, doc: &Document, updated: &str) {
        if self.started {
            return;
        }
        self.started = true;
        let id = if doc.self_url.is_empty() {
            "urn:conflict-timeline:events"
        } else {
            doc.self_url.as_str()
        };
        text.push_str("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
        text.push_str("<feed xmlns=\"http://www.w3.org/2005/Atom\">\n");
        text.push_str(&format!("  <id>{}</id>\n", xml(id)));
        text.push_str(&format!("  <title>{}</title>\n", xml(&doc.title)));
        text.push_str(&format!("  <updated>{}</updated>\n", xml(updated)));
        if !doc.self_url.is_empty() {
            text.push_str(&format!(
                "  <link rel=\"self\" type=\"application/atom+xml\" href=\"{}\"/>\n",
                xml(&doc.self_url)
            ));
        }
        if !doc.html_url.is_empty() {
            text.push_str(&format!(
                "  <link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\n",
                xml(&doc.html_url)
            ));
        }
        text.push_str("  <author><name>conflict-timeline</name></author>\n");
        text.push_str("  <generator>conflict-timeline</generator>\n");
    }
}

const EPOCH: &str = "1970-01-01T00:00:00Z";

impl FormatWriter for AtomWriter {
    fn page(&mut self, text: &mut String, doc: &Document, events: &[ExportEvent]) -> Written {
        let updated = events
            .iter()
            .map(|e| e.updated_at.as_str())
            .max()
            .or(doc.updated.as_deref())
            .unwrap_or(EPOCH);
        self.start(text, doc, updated);
        Ok(())
    }

    fn event(&mut self, text: &mut String, doc: &Document, event: &ExportEvent) -> Written {
        let e = &event.record;
        let id = doc
            .event_url(&e.slug)
            .unwrap_or_else(|| format!("urn:conflict-timeline:event:{}", e.slug));
        let words = e.label.clone().unwrap_or_else(|| e.date.words());
        text.push_str("  <entry>\n");
        text.push_str(&format!("    <id>{}</id>\n", xml(&id)));
        text.push_str(&format!("    <title>{}</title>\n", xml(&e.title)));
        text.push_str(&format!(
            "    <updated>{}</updated>\n",
            xml(&event.updated_at)
        ));
        if let Some(url) = doc.event_url(&e.slug) {
            text.push_str(&format!(
                "    <link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\n",
                xml(&url)
            ));
        }
        text.push_str(&format!("    <category term=\"{}\"/>\n", xml(&e.category)));
        text.push_str(&format!(
            "    <summary type=\"text\">{}: {}</summary>\n",
            xml(&words),
            xml(&e.summary)
        ));
        text.push_str("  </entry>\n");
        Ok(())
    }

    fn tail(&mut self, text: &mut String, doc: &Document) -> Written {
        let updated = doc.updated.clone().unwrap_or_else(|| EPOCH.to_string());
        self.start(text, doc, &updated);
        text.push_str("</feed>\n");
        Ok(())
    }
}
