// idnode console: the little behaviour the pages need. Served as a file (the Content-Security-Policy allows no inline script).
'use strict';

document.addEventListener('DOMContentLoaded', () => {
  // Forms that change something irreversible ask first.
  for (const form of document.querySelectorAll('form[data-confirm]')) {
    form.addEventListener('submit', (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  }

  // The template editor: add a blank item row from the <template>, remove rows not saved yet.
  const items = document.getElementById('items');
  const blank = document.getElementById('item-row');
  const add = document.getElementById('add-item');
  if (items !== null && blank !== null && add !== null) {
    add.addEventListener('click', () => {
      items.append(blank.content.cloneNode(true));
      const rows = items.querySelectorAll('tr');
      rows[rows.length - 1].querySelector('input')?.focus();
    });
    items.addEventListener('click', (event) => {
      const button = event.target.closest('button.remove-item');
      if (button !== null) button.closest('tr').remove();
    });
  }
});
