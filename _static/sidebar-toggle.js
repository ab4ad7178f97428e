// The theme draws two "primary-toggle" buttons, one in the site header
// (hidden on this book's pages) and one above the article, but its scripts
// listen only on the first. The visible one would do nothing: on a phone a
// reader could never open the table of contents. Forward its clicks.
document.addEventListener("DOMContentLoaded", () => {
  const [first, ...others] = document.querySelectorAll(".primary-toggle");
  for (const button of others) {
    button.addEventListener("click", (event) => {
      event.preventDefault();
      first.click();
    });
  }
});
