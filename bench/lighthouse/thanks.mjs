// Lighthouse on the feedback "thank you" page, which only a POST reaches:
// a user flow opens the guide, answers "No" with a comment, sends the form
// and measures the navigation that follows. Run by bench/lighthouse.py:
//   node thanks.mjs GUIDE_URL mobile|desktop OUT.json
import fs from 'node:fs';
import puppeteer from 'puppeteer-core';
import {startFlow} from 'lighthouse';
import desktopConfig from 'lighthouse/core/config/desktop-config.js';

const [url, preset, out] = process.argv.slice(2);
const categories = ['performance', 'accessibility', 'best-practices', 'seo'];
const browser = await puppeteer.launch({
  executablePath: process.env.CHROME_PATH || '/usr/bin/chromium',
  headless: true,
  args: ['--headless=new', '--no-sandbox', '--disable-gpu'],
});
try {
  const page = await browser.newPage();
  await page.goto(url, {waitUntil: 'load'});
  const base = preset === 'desktop' ? desktopConfig : {extends: 'lighthouse:default'};
  const config = {...base, settings: {...(base.settings || {}), onlyCategories: categories}};
  const flow = await startFlow(page, {config});
  await flow.navigate(async () => {
    await page.click('.feedback__form input[value="no"]');
    await page.type('.feedback__form textarea', 'The dose table was hard to read on my phone.');
    await page.click('.feedback__form button[type="submit"]');
  }, {name: 'feedback sent'});
  const result = await flow.createFlowResult();
  fs.writeFileSync(out, JSON.stringify(result.steps[0].lhr));
} finally {
  await browser.close();
}
