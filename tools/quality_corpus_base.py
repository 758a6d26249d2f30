"""Base documents of the dataprep-quality parity corpus (tools/quality_corpus.py).

Every text below was written for this project (no third-party text), and is released with the
project under MIT OR Apache-2.0. The documents imitate what web crawls contain: articles, news,
forum posts, recipes, product pages with boilerplate, legal notices, code, spam, lists, poems,
and text in several languages and scripts.
"""

BASE = [
# ---------------------------------------------------------------- English, clean prose
dict(id="en-article-lighthouse", lang="en", text="""The Lighthouse at Carrow Point

The lighthouse at Carrow Point was built in 1852 to guard the narrow channel between the headland and the Saltmarsh Banks. Before it was lit, ships that came around the point in bad weather had no way of knowing how close they were to the rocks, and the parish records list more than forty wrecks in the thirty years before construction began.

The tower is 34 metres tall and was made from granite quarried about ten miles inland. The stone was brought to the site on flat-bottomed barges, because the road over the moor could not carry the weight of the blocks. The keepers' cottages, which still stand at the foot of the tower, were added in 1861 when the light was converted from oil to paraffin.

For most of its working life the light was tended by three keepers who lived on site with their families. Their duties were simple to describe and hard to carry out: trim the wicks, polish the lens, wind the clockwork that turned the optic, and keep a log of the weather every four hours. The logbooks survive, and they show that the light failed only twice in a hundred years, both times during storms that tore the glazing from the lantern room.

The light was automated in 1987 and the last keeper, Thomas Wearne, moved to the village. The cottages are now a small museum that is open from April to October. Visitors can climb the 142 steps to the gallery, where on a clear day the view reaches the islands, and where the old brass fittings of the lantern are still polished by volunteers every week."""),

dict(id="en-news-council", lang="en", text="""Council approves new cycle lanes after long debate

The city council voted on Tuesday to approve a network of protected cycle lanes, ending a debate that has lasted almost two years. The plan, which will cost an estimated $14.5 million, adds 23 km of lanes separated from traffic by kerbs and planters.

Supporters said the lanes would make it safer for children to ride to school. "We have waited long enough," said councillor Maria Okafor, who has campaigned for the scheme since 2021. "Every month of delay is another month in which parents don't feel able to let their kids cycle."

Opponents argued that the loss of parking spaces would hurt small shops on the high street. The chamber of commerce said it was disappointed but would work with the council to reduce the impact. A survey carried out last spring found that 61% of residents supported the plan, while 27% were against it and the rest had no opinion.

Work on the first section, along Mill Road, is expected to start in March and to take about six months. The council said it would publish a timetable for the remaining sections by the end of the year."""),

dict(id="en-blog-bread", lang="en", text="""Why my sourdough finally works

I've been baking bread for about five years, and for most of that time my sourdough was, frankly, a disappointment. It tasted fine, but it was dense, flat and a little gummy in the middle. I read every guide I could find and tried every trick. Nothing seemed to make much of a difference.

What changed? Honestly, it wasn't one thing. It was three small changes that added up.

First, I started feeding my starter twice a day instead of once. A hungry starter is sluggish, and it can't raise a heavy dough. After a week of regular feeds it doubled in four hours, which it had never done before.

Second, I stopped following the clock and started watching the dough. Recipes say things like "bulk ferment for 4-5 hours", but my kitchen is cold in winter and warm in summer, so the time it takes varies enormously. Now I wait until the dough has grown by about half and has a few bubbles on the surface.

Third, I bake in a cast-iron pot with the lid on for the first 20 minutes. The trapped steam keeps the crust soft long enough for the loaf to expand properly. Then I take the lid off and let it brown.

None of this is new, and you'll find the same advice in most books. But it took me a long time to actually do it consistently. If your bread isn't working either, try changing one thing at a time, and be patient with yourself."""),

dict(id="en-science-abstract", lang="en", text="""Soil moisture and the timing of spring growth

Abstract. We measured soil moisture at 48 sites across a 200 km transect in the northern uplands between 2016 and 2021, and compared it with the date on which grasses began to grow each spring. Sites with wetter soils in late winter started growing on average 9.4 days later than drier sites (95% CI 6.1-12.7 days), after accounting for altitude and air temperature.

Introduction. The start of the growing season has advanced in many temperate regions over recent decades [1]. Most studies attribute this change to warmer air temperatures [2][3], but the role of soil conditions has received less attention. Cold, waterlogged soils warm slowly, and roots in saturated soils may lack oxygen [4].

Methods. At each site we installed two capacitance probes at a depth of 10 cm and recorded readings every hour. Green-up dates were estimated from repeated photographs using the method of Harding et al. (2015), with a threshold of 20% green cover.

Results. Late-winter soil moisture explained 31% of the variation in green-up date between sites. The effect was strongest at altitudes above 400 m, where the soils are peaty and drain poorly.

Discussion. Our results suggest that forecasts of spring growth should include soil moisture, especially in upland areas. Further work is needed to test whether the relationship holds in drier years."""),

dict(id="en-wiki-river", lang="en", text="""River Almond (Lothian)

The River Almond is a river in Lothian, Scotland.[1] It rises near Hirst Hill in North Lanarkshire and flows generally east-north-east for about 45 km before it enters the Firth of Forth at Cramond.[2]

History[edit]

Mills were built along the river from the 12th century onwards. By the 1790s there were more than twenty mills between Mid Calder and Cramond, grinding grain, fulling cloth and, later, making paper and snuff.[3] Most had closed by the early 20th century, although some of the lades that fed them can still be traced.[citation needed]

Ecology[edit]

Pollution from shale-oil works and mines made the river one of the dirtiest in Scotland during the 19th and early 20th centuries. Water quality improved after the works closed, and salmon returned to the lower river in the 1990s.[4] Otters, kingfishers and dippers are now regularly seen along the walkway that follows the river from Cramond to the old mill at Dowie's.

See also[edit]

List of rivers of Scotland"""),

dict(id="en-recipe-soup", lang="en", text="""Roasted tomato soup

Serves 4. Preparation time: 15 minutes. Cooking time: 45 minutes.

Ingredients:
- 1 kg ripe tomatoes, halved
- 2 red onions, cut into wedges
- 4 cloves of garlic, unpeeled
- 3 tbsp olive oil
- 500 ml vegetable stock
- 1 tsp sugar
- salt and pepper
- a handful of basil leaves

Method:
1. Heat the oven to 200°C. Spread the tomatoes, onions and garlic on a large baking tray, drizzle with the oil and season well.
2. Roast for 35-40 minutes, until the tomatoes are soft and slightly charred at the edges.
3. Squeeze the garlic out of its skins and tip everything into a large pan with the stock and sugar.
4. Simmer for 5 minutes, then blend until smooth. Add a little water if the soup is too thick.
5. Taste, adjust the seasoning and serve with torn basil on top.

Tip: the soup freezes well for up to three months. Leave it to cool completely before you put it in the freezer."""),

dict(id="en-forum-laptop", lang="en", text="""Re: Laptop won't wake from sleep after update

Posted by dan_k » Mon Mar 04, 2024 9:12 pm

Same problem here on a 2022 model. After the update it goes to sleep fine but when I open the lid the screen stays black and the fans spin up. Only a hard reset gets it back. Anyone found a fix?

Posted by greywolf » Mon Mar 04, 2024 10:40 pm

Had this last week. What worked for me was going into the power settings and turning off "fast startup", then rolling back the graphics driver to the previous version. It's been fine for five days now. Not sure which of the two fixed it, to be honest.

Posted by dan_k » Tue Mar 05, 2024 7:55 am

Thanks, that did it! Rolled back the driver and it wakes up normally now. I'll leave fast startup on for now and see if it stays stable.

Posted by mod_sarah » Tue Mar 05, 2024 8:30 am

Marking this as solved. The manufacturer has said a fixed driver will be released next week, so keep an eye on the support page."""),

dict(id="en-history-canal", lang="en", text="""The building of the canal changed the town completely. Before it opened in 1794, goods had to be carried by packhorse over the hills, and the journey to the coast took three days. Coal was expensive, and the few workshops in the town could not grow because they could not get their products to market at a reasonable price.

Within ten years of the opening, the population had doubled. New wharves were built along the basin, and warehouses, inns and a boatyard followed. The price of coal fell by more than half, and several potteries and an ironworks moved to the town to take advantage of cheap fuel and transport.

The canal's success did not last. The railway arrived in 1846, and it was faster and cheaper for most goods. Traffic on the canal declined steadily, and the last commercial boat passed through the locks in 1931. For the next forty years the canal was neglected; parts of it were filled in, and the rest became choked with reeds.

Restoration began in 1972, led by a group of volunteers who cleared the channel by hand at weekends. Today the whole length is navigable again, and the towpath is used by walkers and cyclists. The old warehouses at the basin have been converted into flats, a café and a small museum that tells the story of the canal and the people who worked on it."""),

dict(id="en-letter-neighbour", lang="en", text="""Dear Mrs. Patel,

Thank you for your letter of 12 June about the hedge between our gardens. I'm sorry that it has caused you difficulty, and I agree that it has grown much taller than it should have. My husband used to look after it, but since his operation he hasn't been able to manage the ladder.

I have asked a local gardener, Mr. Hughes, to cut it back to about two metres. He can come on Saturday the 22nd, if that suits you. He will need to work from your side for part of the job, so could you let me know whether that would be all right? He says it should take no more than half a day, and he will clear away all the cuttings.

I'd also be happy to share the cost of keeping it trimmed in future, if you would like to come to an arrangement. Please do call round for a cup of tea one afternoon and we can talk it over.

With best wishes,
Joan Whitfield"""),

dict(id="en-faq-library", lang="en", text="""Frequently asked questions

How do I join the library?
You can join at any branch. Bring a document that shows your name and address, such as a utility bill or a bank statement. Membership is free for everyone who lives, works or studies in the county.

How many books can I borrow?
Adult members can borrow up to 15 items at a time. Children can borrow up to 10. Items can be kept for three weeks and renewed twice, unless another member has reserved them.

What happens if I return something late?
We no longer charge fines for late returns. However, if an item is more than eight weeks overdue we will ask you to pay for a replacement, and you won't be able to borrow anything else until it is returned.

Can I use the computers?
Yes. Every branch has public computers with internet access and printing. You can book a session of up to two hours online or at the counter. Wi-Fi is free and does not need a password.

Do you offer help for people who are new to computers?
Our "Get Online" sessions run every Thursday morning at the central library. They are informal, and you can bring your own phone or tablet if you want help with it."""),

dict(id="en-story-fox", lang="en", text="""The fox came to the garden every evening that summer. At first it only crossed the lawn, quickly and with its head low, and disappeared through the gap under the fence. But after a week or two it began to stay a little longer. It would sit by the compost heap and look at the house as if it were deciding something.

My daughter named it Ginger and wanted to feed it. I said no, because I had read that feeding foxes makes them lose their fear of people, and that it does them no good in the end. She was cross with me for a day, and then she started drawing it instead. By August she had filled a whole sketchbook with foxes: sitting, running, sleeping, and one, rather optimistically, wearing a hat.

One night in September we heard a strange sound from the garden, a kind of high bark repeated again and again. In the morning there were two small foxes on the lawn, playing with an old tennis ball while Ginger watched from the fence. They came back every evening for the rest of the month, and then, one day, they didn't come any more.

My daughter is grown up now and lives in another city. She still has the sketchbook. When she visits, she always looks out at the lawn in the evening, just in case."""),

dict(id="en-howto-bike", lang="en", text="""How to fix a flat bicycle tyre

You will need: tyre levers, a pump, a spare inner tube or a puncture repair kit, and about twenty minutes.

Start by removing the wheel. If your bike has rim brakes, release them first so the tyre can pass between the pads. Then open the quick-release lever or undo the axle nuts, and lift the wheel out of the frame. For the rear wheel, shift into the smallest sprocket first; it makes the job much easier.

Let out any remaining air. Push a tyre lever under the edge of the tyre, opposite the valve, and hook it onto a spoke. Insert a second lever about 10 cm away and slide it around the rim until one side of the tyre is free. Pull out the inner tube.

Before you fit a new tube, run your fingers carefully around the inside of the tyre to find whatever caused the puncture. A small piece of glass or a thorn is often still there, and if you don't remove it the new tube will go flat straight away.

Put a little air into the new tube so that it holds its shape, push the valve through the hole in the rim, and tuck the tube into the tyre. Work the tyre back onto the rim with your thumbs, starting at the valve. Try not to use the levers for this, because they can pinch the tube. Pump the tyre up to the pressure printed on its side, refit the wheel and check that the brakes work before you ride off."""),

# ---------------------------------------------------------------- English, web boilerplate and low quality
dict(id="en-shop-kettle", lang="en", text="""Home > Kitchen > Kettles > Stainless Steel Kettle 1.7L

Stainless Steel Kettle 1.7L
£29.99
In stock. Free delivery on orders over £40.
Add to basket
Add to wishlist

Product description
This stylish kettle boils up to 1.7 litres of water in under three minutes. It has a concealed element, a removable limescale filter and a water window on both sides. The handle stays cool to the touch, and the lid opens at the press of a button.

Specifications
Capacity: 1.7 L
Power: 3000 W
Cord length: 75 cm
Weight: 1.2 kg

Customer reviews (128)
★★★★★ Great kettle, boils fast and looks smart. - Helen
★★★★☆ Good value but a bit noisy. - Raj
★★☆☆☆ Started leaking after six months. - P. Lowe

This website uses cookies to improve your experience. By continuing to browse you agree to our use of cookies.
Privacy Policy | Terms of Use | Contact us
Please enable JavaScript in your browser to complete this form.
© 2024 HomeGoods Ltd. All rights reserved."""),

dict(id="en-nav-menu", lang="en", text="""Skip to main content
Menu
Home
About us
Services
Pricing
Blog
Careers
Contact
Log in
Sign up
Search
English
Français
Deutsch
Follow us
Facebook
Twitter
Instagram
LinkedIn
YouTube
Newsletter
Subscribe
Back to top"""),

dict(id="en-seo-spam", lang="en", text="""Best cheap flights deals 2024 #travel #flights #cheap #deals #holiday #vacation #summer

Looking for the best cheap flights? We have the best cheap flights deals! Cheap flights to Spain, cheap flights to Italy, cheap flights to Greece, cheap flights to anywhere! #cheapflights #travelgram #wanderlust

Click here for cheap flights!!! Best prices guaranteed!!! Book now and save up to 90%!!! #booknow #save #discount #bestprice

cheap flights cheap flights cheap flights cheap flights cheap flights cheap flights
best deals best deals best deals best deals best deals best deals
#travel #travel #travel #travel #travel #travel #travel #travel"""),

dict(id="en-code-snippet", lang="en", text="""How to read a file line by line in Python

The simplest way is to iterate over the file object directly. This reads one line at a time, so it works for files that are larger than memory.

with open("data.txt", encoding="utf-8") as f:
    for line in f:
        print(line.rstrip())

If you need the lines as a list, use readlines(), but be careful with very large files.

In JavaScript (Node.js) you can use the readline module:

const rl = readline.createInterface({ input: fs.createReadStream('data.txt') });
rl.on('line', (line) => { console.log(line); });

Both examples print each line without the trailing newline. For binary files, open the file in "rb" mode instead and read fixed-size chunks."""),

dict(id="en-lorem", lang="en", text="""Welcome to our new website. This page is still under construction and will be updated soon with more information about our services.

Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et dolore magna aliqua. Ut enim ad minim veniam, quis nostrud exercitation ullamco laboris nisi ut aliquip ex ea commodo consequat.

Duis aute irure dolor in reprehenderit in voluptate velit esse cillum dolore eu fugiat nulla pariatur. Excepteur sint occaecat cupidatat non proident, sunt in culpa qui officia deserunt mollit anim id est laborum.

Please check back later. In the meantime you can reach us by phone or e-mail during normal office hours, and we will be happy to answer any questions that you may have."""),

dict(id="en-terms", lang="en", text="""Terms and conditions

1. Introduction. These terms of use govern your use of this website. By using the website you accept these terms in full. If you disagree with any part of them, you must not use the website.

2. Licence. Unless otherwise stated, we own the intellectual property rights in the website and the material on it. You may view, download and print pages from the website for your own personal use, subject to the restrictions below.

3. Restrictions. You must not republish material from the website, sell or rent it, reproduce or copy it for a commercial purpose, or redistribute it, except where the content is expressly made available for redistribution.

4. Privacy. Please read our privacy policy, which explains how we collect and use personal data. Our site uses cookies; see the cookie policy for details and for how to change your settings.

5. Limitation of liability. We will not be liable for any loss or damage arising from your use of the website, to the extent permitted by law.

6. Changes. We may revise these terms from time to time. The revised terms will apply from the date of publication on the website."""),

dict(id="en-list-links", lang="en", text="""Related articles
- 10 tips for better sleep
- What to eat before a run
- How much water should you drink?
- The best stretches for runners
- Is coffee good for you?
- Five easy breakfast ideas
- Why you should walk every day
- How to start running at 50
- The truth about protein shakes
- Yoga for beginners: a complete guide
- Sleep apps compared
- Ten minute workouts for busy people"""),

dict(id="en-poem", lang="en", text="""Winter Morning

The frost has drawn
its silver ferns
across the glass,
and no one learns

the shape of them
before they go;
the sun comes up,
the patterns slow,

then run like ink
and disappear.
I watch them fade
again each year,

and every year
I mean to see
the exact moment
they leave me."""),

dict(id="en-table-data", lang="en", text="""Results of the 2023 regional athletics championships

Event | Winner | Club | Time
100 m | J. Adeyemi | Northside AC | 10.42
200 m | K. Brennan | Harbour Harriers | 21.15
400 m | L. Costa | Northside AC | 47.88
800 m | M. Dunne | Valley Runners | 1:51.02
1500 m | S. Ekwueme | Valley Runners | 3:49.70
5000 m | T. Fischer | City Striders | 14:22.31
10000 m | R. Gallo | City Striders | 30:05.64
110 m H | A. Hassan | Harbour Harriers | 14.12
400 m H | P. Ito | Northside AC | 52.40
3000 m SC | D. Jones | Valley Runners | 9:01.55"""),

dict(id="en-chat-support", lang="en", text="""Agent: Hi, thanks for contacting support. How can I help you today?
Customer: hi my order hasnt arrived yet
Agent: I'm sorry to hear that. Could you give me your order number, please?
Customer: its 4471-2290
Agent: Thank you. I can see that the parcel was sent on Monday with the standard service. It's showing as delayed at the depot because of the bad weather.
Customer: ok when will it come
Agent: The latest estimate is Thursday. If it hasn't arrived by Friday, please get back in touch and we'll send a replacement or give you a full refund.
Customer: ok thanks
Agent: You're welcome. Is there anything else I can help with?
Customer: no thats all
Agent: Thanks for your patience, and have a good day!"""),

dict(id="en-repetitive-spam", lang="en", text="""Buy now and get free shipping on all orders.
Buy now and get free shipping on all orders.
Buy now and get free shipping on all orders.
Limited offer, only today.
Buy now and get free shipping on all orders.
Buy now and get free shipping on all orders.
Limited offer, only today.
Buy now and get free shipping on all orders.
Call us now on 0800 123 456.
Buy now and get free shipping on all orders."""),

dict(id="en-ellipsis-teasers", lang="en", text="""You won't believe what happened next...
Doctors hate this one simple trick...
She opened the door and saw...
The secret that banks don't want you to know...
This is why you should never eat...
Ten celebrities who look completely different now...
What he found in the attic will shock you...
The real reason your phone battery dies so fast...
Scientists finally explain the mystery of...
Read more about the story that everyone is talking about today."""),

dict(id="en-mixed-tokens", lang="en", text="""Meeting notes, 14/02/2024 (draft v2.1)

Attendees: Dr. A. Lindqvist, Prof. B. O'Neill, Ms. C. Zhou, and Mr. D. Mbeki (remote). Apologies: Mrs. E. Kovacs.

1) Budget: the Q1 spend was €12,430.50 vs. a plan of €11,900 (+4.5%). Travel costs (≈€2.1k) were higher than expected, e.g. the trip to N.Y.C. in Jan. It's agreed that we'll review the policy - see the doc at https://intranet.example.org/policies/travel-2024.pdf?rev=3 - before Mar. 1st.

2) Hiring: two offers sent; one accepted (start date 2024-04-01), the other's still pending. We can't fill the 3rd role until the budget's confirmed... Action: C.Z. to e-mail HR (hr@example.org) by Fri.

3) Tools: we'll move from v1.9 to v2.0 of the pipeline; it's ~30% faster on the 8-core machines (tested on 1,000,000 docs, 3.2GB, in 45min). Known issue: the "--resume" flag doesn't work with gzip'd input :( A fix is expected in 2-3 weeks.

4) AOB: none. Next meeting: Thu 28th, 10:00-11:30 a.m., room B-204 / video call."""),

# ---------------------------------------------------------------- other languages
dict(id="de-article-wald", lang="de", text="""Der Wald im Wandel

Der Stadtwald ist für viele Menschen ein Ort der Erholung. An Wochenenden sind die Wege voll mit Spaziergängern, Joggern und Familien mit Kindern. Doch der Wald hat sich in den letzten Jahren stark verändert. Trockene Sommer und der Borkenkäfer haben große Teile des Fichtenbestands zerstört.

Die Försterin Anna Berger zeigt auf eine Fläche, auf der vor fünf Jahren noch dichte Fichten standen. Heute wachsen dort junge Buchen, Eichen und Ahornbäume, die zwischen Brombeeren und Gräsern kaum zu sehen sind. „Wir wollen einen Mischwald, der mit Hitze und Trockenheit besser zurechtkommt“, sagt sie. „Das dauert aber Jahrzehnte.“

Die Stadt hat dafür ein Programm mit einem Budget von 2,4 Millionen Euro aufgelegt. Schulklassen helfen beim Pflanzen, und Bürgerinnen und Bürger können Patenschaften für einzelne Bäume übernehmen. Bis zum Jahr 2030 sollen auf diese Weise mehr als 100.000 neue Bäume gepflanzt werden.

Nicht alle sind mit dem Umbau zufrieden. Einige Anwohner vermissen den dunklen, ruhigen Fichtenwald, den sie aus ihrer Kindheit kennen. Die Försterin versteht das, bittet aber um Geduld: „Der Wald, den wir heute pflanzen, ist für unsere Enkel.“"""),

dict(id="fr-article-marche", lang="fr", text="""Le marché du samedi

Chaque samedi matin, la place de l'église se transforme. Dès six heures, les premiers camions arrivent et les marchands installent leurs étals sous les platanes. À huit heures, le marché est plein : on y trouve des fruits et des légumes de la région, du fromage, du miel, du pain cuit au feu de bois et même quelques vêtements.

Madame Roux vend des légumes depuis trente-deux ans. « Je connais presque tous mes clients par leur prénom », explique-t-elle en pesant un kilo de tomates. « Certains viennent chaque semaine depuis que j'ai commencé. Leurs enfants viennent maintenant avec leurs propres enfants. »

Le marché n'est pas seulement un lieu d'achat. C'est aussi un endroit où l'on se retrouve, où l'on prend des nouvelles des voisins et où l'on discute autour d'un café. La mairie a d'ailleurs décidé d'installer des bancs et une petite scène pour accueillir des musiciens pendant l'été.

Pourtant, l'avenir du marché n'est pas garanti. Plusieurs producteurs approchent de la retraite et peu de jeunes souhaitent reprendre leur activité. La commune réfléchit à des aides pour encourager de nouveaux marchands à s'installer."""),

dict(id="es-article-huerto", lang="es", text="""Un huerto en la azotea

Hace tres años, los vecinos de un edificio del barrio de Lavapiés decidieron convertir la azotea en un huerto comunitario. Al principio no fue fácil: tuvieron que pedir permiso a la comunidad de propietarios, reforzar el suelo e instalar un sistema de riego por goteo.

Hoy, la azotea está llena de tomates, pimientos, lechugas y hierbas aromáticas. Cada familia se encarga de una parcela, pero las tareas más pesadas se hacen entre todos los domingos por la mañana. «Nunca había plantado nada en mi vida», cuenta Lucía, una de las vecinas. «Ahora sé cuándo hay que sembrar cada cosa y mis hijos comen verdura sin protestar».

El huerto también ha cambiado la relación entre los vecinos. Antes apenas se saludaban en el ascensor; ahora organizan cenas en verano con lo que cosechan y comparten semillas con otros edificios del barrio.

El ayuntamiento ha tomado nota y prepara un programa de ayudas para que otras comunidades puedan seguir el ejemplo. Según sus cálculos, más de cuatrocientas azoteas de la ciudad podrían acoger un huerto similar."""),

dict(id="it-article-treno", lang="it", text="""Il treno della costa

La vecchia linea ferroviaria che corre lungo la costa è stata riaperta dopo quasi dieci anni di lavori. Il treno impiega un'ora e quaranta minuti per percorrere gli ottanta chilometri tra le due città, attraversando gallerie, ponti e piccole stazioni affacciate sul mare.

Per molti abitanti dei paesi della costa la riapertura è una buona notizia. Negli ultimi anni l'unico modo per raggiungere la città era l'autobus, che d'estate restava spesso bloccato nel traffico. «Adesso posso andare al lavoro senza stress», dice Marco, un infermiere che ogni mattina prende il treno delle sette.

Anche il turismo potrebbe trarne vantaggio. La regione ha già annunciato un biglietto giornaliero a prezzo ridotto per i visitatori e prevede di organizzare, nei fine settimana, corse speciali con carrozze d'epoca.

Restano però alcuni problemi. Alcune stazioni non sono ancora accessibili alle persone con disabilità e i treni, nelle ore di punta, sono già molto affollati. La società che gestisce la linea ha promesso nuovi convogli entro la fine del prossimo anno."""),

dict(id="pt-article-biblioteca", lang="pt", text="""A biblioteca que vai até aos leitores

Numa pequena vila do interior, onde a livraria mais próxima fica a mais de quarenta quilómetros, há uma carrinha que todas as semanas leva livros às aldeias. A biblioteca itinerante começou há quinze anos com pouco mais de quinhentos livros e hoje tem um catálogo de cerca de oito mil títulos.

O condutor e bibliotecário, o senhor Joaquim, conhece bem os gostos de cada leitor. «A dona Amélia gosta de romances históricos, o senhor Manuel só lê policiais e as crianças da escola pedem sempre livros de dinossauros», diz ele, a rir.

Para muitos habitantes, sobretudo os mais velhos, a visita da carrinha é também um momento de convívio. Há quem venha só para conversar, ler o jornal ou pedir ajuda para preencher um formulário.

A câmara municipal quer agora alargar o serviço a mais aldeias e equipar a carrinha com computadores e acesso à internet, para que os leitores possam também aprender a usar as novas tecnologias."""),

dict(id="nl-article-fiets", lang="nl", text="""Fietsen naar school

In de kleine stad aan de rivier fietst bijna elk kind naar school, ook als het regent of hard waait. Ouders vinden dat vanzelfsprekend, maar bezoekers uit het buitenland zijn vaak verbaasd als ze groepen kinderen van acht of negen jaar zelfstandig door de stad zien fietsen.

Volgens de gemeente is dat geen toeval. In de afgelopen twintig jaar zijn er veilige fietspaden aangelegd, zijn de kruispunten bij scholen opnieuw ingericht en geldt in woonwijken een maximumsnelheid van dertig kilometer per uur. Daarnaast krijgen alle kinderen in groep zeven een verkeersexamen.

"Het belangrijkste is dat ouders erop vertrouwen dat hun kind veilig aankomt", zegt wethouder Jansen. "Als dat vertrouwen er is, laten ze hun kinderen gaan."

Toch zijn er ook zorgen. Door de groei van het aantal elektrische fietsen en bezorgscooters is het drukker geworden op de fietspaden. De gemeente onderzoekt of er aparte stroken voor snelle fietsers kunnen komen."""),

dict(id="pl-article-gory", lang="pl", text="""Wiosna w górach

Kiedy w dolinach kwitną już drzewa, w wyższych partiach gór wciąż leży śnieg. Ratownicy górscy przypominają, że wiosna to jeden z najbardziej zdradliwych okresów dla turystów. Na szlakach zdarzają się oblodzone odcinki, a pogoda potrafi zmienić się w ciągu kilkunastu minut.

Każdego roku ratownicy pomagają setkom osób, które wybrały się w góry bez odpowiedniego przygotowania. Najczęstsze problemy to wychłodzenie, zabłądzenie i urazy nóg. Wiele z tych sytuacji można by uniknąć, gdyby turyści sprawdzili prognozę pogody i zabrali ze sobą ciepłe ubranie, latarkę oraz naładowany telefon.

Ratownicy zachęcają również do pobierania aplikacji, która w razie wypadku pozwala szybko przesłać dokładne położenie. Dzięki niej czas dotarcia do poszkodowanego skrócił się w ostatnich latach średnio o kilkanaście minut."""),

dict(id="ru-article-reka", lang="ru", text="""Река и город

Город вырос на берегу реки, и вся его история связана с водой. В девятнадцатом веке здесь была крупная пристань, куда приходили баржи с зерном, лесом и солью. Купцы строили на набережной каменные дома и склады, многие из которых сохранились до наших дней.

Сегодня пристани уже нет, но река по-прежнему остаётся главным местом отдыха для горожан. Летом на набережной гуляют семьи с детьми, рыбаки сидят с удочками у старого моста, а по вечерам играют уличные музыканты.

Несколько лет назад городские власти начали реконструкцию набережной. Были отремонтированы лестницы к воде, высажены деревья и установлены скамейки. Жители в целом довольны, хотя некоторые жалуются, что старые деревянные лодочные станции снесли вместо того, чтобы восстановить.

Местный краеведческий музей готовит выставку о жизни на реке, для которой горожане приносят старые фотографии, письма и предметы быта."""),

dict(id="el-article-nisi", lang="el", text="""Το νησί το χειμώνα

Το καλοκαίρι το νησί γεμίζει επισκέπτες, αλλά το χειμώνα μένουν μόνο λίγες εκατοντάδες κάτοικοι. Τα περισσότερα ξενοδοχεία κλείνουν, το πλοίο έρχεται μόνο τρεις φορές την εβδομάδα και οι δρόμοι του χωριού είναι σχεδόν άδειοι.

Για τους μόνιμους κατοίκους όμως ο χειμώνας έχει τη δική του ομορφιά. Οι ψαράδες βγαίνουν στη θάλασσα όταν το επιτρέπει ο καιρός, οι γυναίκες μαζεύονται στο καφενείο για να πλέξουν και να συζητήσουν, και τα παιδιά παίζουν ελεύθερα στην πλατεία.

Το μεγαλύτερο πρόβλημα είναι η υγειονομική περίθαλψη. Ο γιατρός του νησιού είναι ένας και, όταν η θάλασσα είναι φουρτουνιασμένη, η μεταφορά ενός ασθενούς στο νοσοκομείο μπορεί να γίνει μόνο με ελικόπτερο."""),

dict(id="tr-article-cay", lang="tr", text="""Karadeniz'de çay hasadı

Mayıs ayının başında Karadeniz'in yamaçlarında çay hasadı başlar. Sabahın erken saatlerinde kadınlar ve erkekler sırtlarında büyük sepetlerle bahçelere çıkar ve taze yaprakları toplar. Dik yamaçlarda çalışmak zordur, ama çay bölge halkı için en önemli geçim kaynağıdır.

Toplanan yapraklar aynı gün fabrikaya götürülür. Fabrikada yapraklar soldurulur, kıvrılır, mayalandırılır ve kurutulur. Bütün bu işlemler bir günden kısa sürer ve sonunda bildiğimiz siyah çay ortaya çıkar.

Son yıllarda bazı üreticiler organik çaya yönelmiştir. Bu çay daha pahalıdır, ama yurt dışında giderek daha fazla alıcı bulmaktadır."""),

dict(id="zh-article-tea", lang="zh", text="""茶馆里的下午

在老城区的一条小巷里，有一家开了四十多年的茶馆。每天下午，附近的老人都会来这里喝茶、下棋、聊天。茶馆不大，只有十几张桌子，但总是坐得满满的。

老板姓王，今年六十五岁。他说，茶馆是他父亲开的，自己从小就在这里帮忙。“以前来的都是老街坊，现在也有不少年轻人和外地游客。”他一边倒茶一边说。

茶馆的茶并不贵，一杯绿茶只要十块钱，可以坐一个下午。王老板说，他不想涨价，因为很多老人收入不高，茶馆对他们来说就像第二个家。

最近，城市规划部门准备改造这片老城区。很多人担心茶馆会被拆掉。王老板说，只要还有人来喝茶，他就会一直开下去。"""),

dict(id="ja-article-eki", lang="ja", text="""小さな駅の物語

山あいの小さな駅は、一日に数本の列車しか止まらない。駅員はいないが、毎朝近所のおばあさんがホームを掃除し、季節の花を飾っている。

この駅を利用するのは、主に町の高校に通う生徒たちだ。朝の列車を逃すと、次の列車まで二時間も待たなければならない。そのため、生徒たちは少し早めに家を出て、ホームのベンチで友達と話しながら列車を待つ。

数年前、利用者が少ないことを理由に駅の廃止が検討された。しかし、住民たちが署名を集め、駅を残してほしいと鉄道会社に訴えた。その結果、駅は今も使われている。

最近では、この駅の風景を撮影するために、遠くから写真愛好家が訪れるようになった。"""),

dict(id="ko-article-market", lang="ko", text="""전통 시장의 변화

오래된 전통 시장이 새로운 모습으로 바뀌고 있다. 몇 년 전만 해도 손님이 줄어 문을 닫는 가게가 많았지만, 최근에는 젊은 상인들이 들어오면서 다시 활기를 찾고 있다.

시장 입구에는 수제 빵집과 작은 카페가 생겼고, 오래된 떡집과 반찬 가게 옆에는 공방과 꽃집이 자리를 잡았다. 주말이면 가족 단위 손님과 관광객으로 시장 골목이 붐빈다.

상인회는 시장의 전통적인 분위기를 지키면서도 새로운 손님을 끌어들이기 위해 다양한 행사를 준비하고 있다."""),

dict(id="ar-article-souq", lang="ar", text="""السوق القديم

في قلب المدينة القديمة يقع سوق يعود تاريخه إلى مئات السنين. تمتد أزقته الضيقة بين جدران حجرية عالية، وتصطف على جانبيها محلات صغيرة تبيع التوابل والأقمشة والنحاس والحلويات.

يقول أبو محمد، الذي يملك محلاً للتوابل ورثه عن أبيه وجده، إن السوق تغير كثيراً خلال العقود الماضية. فقد أصبح السياح يشكلون نسبة كبيرة من الزبائن، بينما يفضل كثير من السكان التسوق في المراكز التجارية الحديثة.

ومع ذلك، ما زال السوق يحتفظ بروحه الخاصة. ففي المساء تفوح رائحة القهوة والهيل، ويجلس التجار أمام محلاتهم يتبادلون الأحاديث مع المارة."""),

dict(id="hi-article-gaon", lang="hi", text="""गाँव का पुस्तकालय

हमारे गाँव में कुछ साल पहले तक कोई पुस्तकालय नहीं था। बच्चों को किताबें पढ़ने के लिए पास के शहर जाना पड़ता था, जो बस से लगभग एक घंटे की दूरी पर है। फिर गाँव के कुछ युवाओं ने मिलकर पंचायत भवन के एक कमरे में छोटा सा पुस्तकालय शुरू किया।

शुरुआत में केवल दो सौ किताबें थीं, जो लोगों ने दान में दी थीं। आज पुस्तकालय में तीन हज़ार से अधिक किताबें हैं, और हर शाम बच्चे और बड़े यहाँ पढ़ने आते हैं।

पुस्तकालय में अब कंप्यूटर भी है, जिस पर बच्चे पढ़ाई से जुड़ी जानकारी खोजते हैं। गाँव के लोगों का कहना है कि इससे बच्चों की पढ़ाई में बहुत सुधार हुआ है।"""),

dict(id="vi-article-pho", lang="vi", text="""Quán phở đầu ngõ

Quán phở nhỏ ở đầu ngõ đã mở cửa hơn ba mươi năm. Mỗi sáng, từ năm giờ, bà chủ đã bắt đầu nấu nước dùng trong một chiếc nồi lớn. Đến sáu giờ, khách bắt đầu đến, phần lớn là người làm việc gần đó và học sinh trên đường đến trường.

Bà nói rằng bí quyết của món phở nằm ở nước dùng, phải ninh xương bò trong nhiều giờ với gừng, hành nướng và các loại gia vị. Dù giá cả tăng, bà vẫn cố giữ giá một bát phở ở mức vừa phải để người lao động có thể ăn được.

Nhiều người con của khu phố đã đi làm ăn xa, nhưng mỗi lần về thăm nhà, họ đều ghé quán để ăn một bát phở quen thuộc."""),

dict(id="sv-article-sjo", lang="sv", text="""Vintern vid sjön

När sjön har frusit till ändras livet i byn. Barnen åker skridskor efter skolan, och på helgerna kommer familjer från staden för att pimpla abborre genom hål i isen. Isen mäts varje morgon av föreningen som sköter de plogade banorna.

Äldre bybor minns vintrar då isen låg från november till april. Numera är säsongen kortare, och vissa år fryser sjön inte alls. Föreningen har därför börjat erbjuda kurser i issäkerhet, så att besökarna vet hur de ska bedöma isen och vad de ska göra om någon går igenom."""),
]
